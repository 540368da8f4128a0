/**
 * The lazily loaded document features (dist/documentFeatures.js): the recall hover and CodeLens,
 * the generation-info document, the sidebar recall commands and the prompt-link CodeLens. They
 * need no core and no network, but their code (PNG reading, link parsing) would double the
 * activation bundle, whose every kilobyte V8 compiles at startup (PERF-02). extension.ts
 * registers light shells (ui/lazyProviders.ts) that require this chunk on first use.
 */
export { GenerationInfoProvider, showGenerationInfoCommand } from './ui/recall/generationInfo';
export { RecallCodeLensProvider } from './ui/recall/recallCodeLens';
export { RecallHoverProvider } from './ui/recall/recallHover';
export { loadIntoSidebarCommand, showInGalleryCommand } from './ui/recall/sidebarRecall';
export { PromptLinkCodeLensProvider } from './ui/documents/promptLinkCodeLens';
