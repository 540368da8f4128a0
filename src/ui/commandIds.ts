/**
 * The public command ids (a contract: keybindings, tasks, other extensions and the tests use
 * them). Registered in extension.ts; contributed in package.json; test/unit/manifest.test.ts
 * checks that both lists match.
 */
export const COMMANDS = {
  generateImage: 'oxenImageStudio.generateImage',
  generateImageHere: 'oxenImageStudio.generateImageHere',
  generateAllImages: 'oxenImageStudio.generateAllImages',
  generatePromptLink: 'oxenImageStudio.generatePromptLink',
  cancelGeneration: 'oxenImageStudio.cancelGeneration',
  setApiKey: 'oxenImageStudio.setApiKey',
  clearApiKey: 'oxenImageStudio.clearApiKey',
  showLog: 'oxenImageStudio.showLog',
  regenerateInPlace: 'oxenImageStudio.recall.regenerateInPlace',
  vary: 'oxenImageStudio.recall.vary',
  loadIntoSidebar: 'oxenImageStudio.recall.loadIntoSidebar',
  showInGallery: 'oxenImageStudio.recall.showInGallery',
  showGenerationInfo: 'oxenImageStudio.showGenerationInfo',
  regenerateLikeThis: 'oxenImageStudio.regenerateLikeThis',
} as const;
