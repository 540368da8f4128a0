import * as vscode from 'vscode';

/**
 * The kind of our drop and paste edits: a markdown image link (so "Paste As… markdown.link" offers
 * it), told apart from the built-in markdown ones.
 */
export function galleryLinkEditKind(): vscode.DocumentDropOrPasteEditKind {
  return vscode.DocumentDropOrPasteEditKind.Empty.append('markdown', 'link', 'image', 'oxenImageStudio');
}
