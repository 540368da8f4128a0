import * as vscode from 'vscode';
import type { CopiedLinks } from './copiedLinks';
import { galleryLinkEditKind } from './editKind';
import { placeGalleryImage, placementTitle, type GalleryPlacementDeps } from './historyImagePlacement';

/**
 * Pasting what the gallery's "Copy markdown link" copied into a markdown document: the link is
 * made again for this document (it was made for whichever document was active when copying), and
 * the image is copied to this document's destination when it lives elsewhere, in one edit.
 * Any other text is left to the default paste; other languages get the copied text as it is.
 */
export class GalleryPasteProvider implements vscode.DocumentPasteEditProvider {
  constructor(private readonly deps: GalleryPlacementDeps & { copiedLinks: CopiedLinks }) {}

  async provideDocumentPasteEdits(
    document: vscode.TextDocument,
    _ranges: readonly vscode.Range[],
    dataTransfer: vscode.DataTransfer,
    _context: vscode.DocumentPasteEditContext,
    token: vscode.CancellationToken,
  ): Promise<vscode.DocumentPasteEdit[] | undefined> {
    const text = await dataTransfer.get('text/plain')?.asString();
    const generationId = text === undefined ? undefined : this.deps.copiedLinks.generationIdOf(text);
    if (!generationId || token.isCancellationRequested) return undefined;
    const placement = await placeGalleryImage(generationId, document, this.deps);
    if (!placement || token.isCancellationRequested) return undefined;
    const edit = new vscode.DocumentPasteEdit(placement.link, placementTitle(placement), galleryLinkEditKind());
    edit.additionalEdit = placement.copy?.edit;
    return [edit];
  }
}
