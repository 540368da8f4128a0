import type { GalleryDocumentProviders, GalleryDocumentsDeps } from '.';
import { GalleryDropProvider } from './galleryDrop';
import { GalleryPasteProvider } from './galleryPaste';

/** The implementation behind the activation-time shells (in the core chunk). */
export function createGalleryDocumentProviders(deps: GalleryDocumentsDeps): GalleryDocumentProviders {
  return { drop: new GalleryDropProvider(deps), paste: new GalleryPasteProvider(deps) };
}
