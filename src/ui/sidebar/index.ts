import * as vscode from 'vscode';
import { STUDIO_VIEW_ID } from './ids';
import type { StudioSidebarDeps } from './provider';

/**
 * The studio sidebar's public surface, and the only part in the activation bundle: it imports
 * nothing heavy (types only from provider.ts). The implementation comes from the core chunk on
 * the first resolve of the view, through `deps.implementation()`.
 */

export interface StudioImplementation {
  createStudioViewProvider(context: vscode.ExtensionContext, deps: StudioSidebarDeps): vscode.WebviewViewProvider & vscode.Disposable;
}

export interface StudioRegistration extends StudioSidebarDeps {
  /** Loads the implementation module (the core chunk re-exports `createStudioViewProvider`); no network. */
  implementation(): StudioImplementation;
}

/** Registers the view `oxenImageStudio.studio`; returns one disposable that owns everything it made. */
export function registerStudioSidebar(context: vscode.ExtensionContext, deps: StudioRegistration): vscode.Disposable {
  let real: (vscode.WebviewViewProvider & vscode.Disposable) | undefined;
  const shell: vscode.WebviewViewProvider = {
    resolveWebviewView(view, resolveContext, token) {
      real ??= deps.implementation().createStudioViewProvider(context, deps);
      return real.resolveWebviewView(view, resolveContext, token);
    },
  };
  // No retainContextWhenHidden (PERF-06).
  const registration = vscode.window.registerWebviewViewProvider(STUDIO_VIEW_ID, shell);
  return vscode.Disposable.from(registration, { dispose: () => real?.dispose() });
}

export { STUDIO_VIEW_ID, STYLE_REFERENCE_REPOSITORY_SETTING_ID, ALLOW_DATA_URI_SETTING } from './ids';
export type { StudioCore, StudioGenerateRequest, StudioHistory, StudioSidebarDeps } from './provider';
