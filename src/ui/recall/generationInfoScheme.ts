/** The URI scheme of the read-only "Generation Info" documents (registered at activation). */
export const GENERATION_INFO_SCHEME = 'oxen-image-studio-info';
