import * as vscode from 'vscode';
import { GALLERY_IMAGE_MIME } from '../sidebar/ids';
import { galleryLinkEditKind } from './editKind';
import { placeGalleryImage, placementTitle, type GalleryPlacementDeps } from './historyImagePlacement';

/**
 * A gallery thumbnail dropped into a markdown editor: the link at the drop point, and, when the
 * image lives outside the document's destination, its copy there, both in one edit (one undo).
 * The drag carries only the history id (GALLERY_IMAGE_MIME), never a path.
 */
export class GalleryDropProvider implements vscode.DocumentDropEditProvider {
  constructor(private readonly deps: GalleryPlacementDeps) {}

  async provideDocumentDropEdits(document: vscode.TextDocument, _position: vscode.Position, dataTransfer: vscode.DataTransfer, token: vscode.CancellationToken): Promise<vscode.DocumentDropEdit | undefined> {
    const generationId = (await dataTransfer.get(GALLERY_IMAGE_MIME)?.asString())?.trim();
    if (!generationId || token.isCancellationRequested) return undefined;
    const placement = await placeGalleryImage(generationId, document, this.deps);
    if (!placement || token.isCancellationRequested) return undefined;
    const edit = new vscode.DocumentDropEdit(placement.link, placementTitle(placement), galleryLinkEditKind());
    edit.additionalEdit = placement.copy?.edit;
    return edit;
  }
}
