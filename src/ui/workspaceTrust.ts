import * as vscode from 'vscode';

/** Raised when a command that writes files runs in an untrusted workspace (SEC-06). */
export class UntrustedWorkspaceError extends Error {
  constructor() {
    super(
      vscode.l10n.t(
        'Oxen Image Studio cannot generate images in Restricted Mode: it saves files into the workspace and edits documents, which needs a trusted workspace. Trust this folder to generate images here.',
      ),
    );
    this.name = new.target.name;
  }
}

/** Throws unless the workspace is trusted; called first by every command that writes files. */
export function requireTrustedWorkspace(): void {
  if (!vscode.workspace.isTrusted) throw new UntrustedWorkspaceError();
}
