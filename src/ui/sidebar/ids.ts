/** Ids the light registration shell needs (no zod, no undici: this file is in dist/extension.js). */

/** The view id; package.json declares it under `contributes.views`. */
export const STUDIO_VIEW_ID = 'oxenImageStudio.studio';
/** `namespace/repo[/branch]`: where local style references are uploaded (same as repositoryUpload's). */
export const STYLE_REFERENCE_REPOSITORY_SETTING_ID = 'oxenImageStudio.styleReferenceRepository';
/** Lets local style references go as data: URIs when no repository is configured. */
export const ALLOW_DATA_URI_SETTING = 'oxenImageStudio.styleReferences.allowDataUri';
/**
 * What a gallery thumbnail carries when dragged: the history id only (never a path), which the
 * drop provider looks up in the history. A custom type, so only our provider acts on it.
 */
export const GALLERY_IMAGE_MIME = 'application/vnd.oxen-image-studio.history-id';
