import * as vscode from 'vscode';
import { GALLERY_IMAGE_MIME } from '../sidebar/ids';
import type { CopiedLinks } from './copiedLinks';
import { galleryLinkEditKind } from './editKind';
import type { GalleryPlacementDeps } from './historyImagePlacement';

/**
 * Drop and paste of gallery images into markdown, as registered at activation: light shells that
 * load the implementation (in the core chunk; it reads settings with zod) on the first drop or
 * paste that could be ours. Nothing here touches the network.
 */

export interface GalleryDocumentProviders {
  drop: vscode.DocumentDropEditProvider;
  paste: vscode.DocumentPasteEditProvider;
}

export interface GalleryDocumentsDeps extends GalleryPlacementDeps {
  copiedLinks: CopiedLinks;
}

export interface GalleryDocumentsImplementation {
  createGalleryDocumentProviders(deps: GalleryDocumentsDeps): GalleryDocumentProviders;
}

const MARKDOWN: vscode.DocumentSelector = { language: 'markdown' };

/** Registers both providers; returns the registration and the providers themselves (the test API hands them out). */
export function registerGalleryDocumentProviders(
  deps: GalleryDocumentsDeps & { implementation(): GalleryDocumentsImplementation },
): { registration: vscode.Disposable; providers: GalleryDocumentProviders } {
  let real: GalleryDocumentProviders | undefined;
  const load = () => (real ??= deps.implementation().createGalleryDocumentProviders(deps));
  const providers: GalleryDocumentProviders = {
    drop: { provideDocumentDropEdits: (...args) => load().drop.provideDocumentDropEdits(...args) },
    paste: {
      // Every text paste into markdown asks us: the core is loaded only once the gallery copied a link.
      provideDocumentPasteEdits: (document, ranges, dataTransfer, context, token) =>
        deps.copiedLinks.hasCopied() ? load().paste.provideDocumentPasteEdits?.(document, ranges, dataTransfer, context, token) : undefined,
    },
  };
  const kinds = [galleryLinkEditKind()];
  const registration = vscode.Disposable.from(
    vscode.languages.registerDocumentDropEditProvider(MARKDOWN, providers.drop, { dropMimeTypes: [GALLERY_IMAGE_MIME], providedDropEditKinds: kinds }),
    vscode.languages.registerDocumentPasteEditProvider(MARKDOWN, providers.paste, { pasteMimeTypes: ['text/plain'], providedPasteEditKinds: kinds }),
  );
  return { registration, providers };
}
