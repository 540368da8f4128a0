import * as vscode from 'vscode';
import { z } from 'zod';
import { COMMANDS } from '../commandIds';
import { describeError, showError, type Action } from '../errorReporting';
import type { GenerationRunner, RunResult, Submitted } from '../generationRunner';
import { PromptLinkError, PromptLinkInFlightError, type PromptLinkGenerator } from '../documents/promptLinkGenerator';
import { parseCommandArgument, parseUri } from '../generateArgument';
import { requireTrustedWorkspace } from '../workspaceTrust';

export interface PromptLinkCommandDependencies {
  generator: PromptLinkGenerator;
  runner: GenerationRunner;
}

/**
 * `oxenImageStudio.generateAllImages` and `oxenImageStudio.generatePromptLink`. From a menu, the
 * palette or a CodeLens (a Uri, a Location or nothing): a cancellable progress notification, and
 * problems shown with a way to the placeholder. With an argument object (scripts, tests): no UI,
 * errors thrown, and with `wait: true` the saved files in document order.
 */

const documentArgument = z.strictObject({ uri: z.string().min(1), wait: z.boolean().optional() });
const linkArgument = documentArgument.extend({ line: z.number().int().min(0), character: z.number().int().min(0) });

/** One request's error as is; for several, how many failed and why. */
async function savedFiles(submitted: readonly Submitted[]): Promise<string[]> {
  const outcomes = await Promise.allSettled(submitted.map((request) => request.files ?? Promise.resolve([])));
  const failures = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as Error] : []));
  if (failures.length === 1 && submitted.length === 1) throw failures[0];
  if (failures.length > 0) {
    throw new Error(vscode.l10n.t('{0} of {1} placeholders were not filled: {2}', failures.length, submitted.length, failures.map((error) => error.message).join('; ')));
  }
  return outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? outcome.value : []));
}

async function scripted(deps: PromptLinkCommandDependencies, uri: vscode.Uri, at: vscode.Position | undefined, wait: boolean): Promise<RunResult> {
  const submitted = await deps.generator.generate(uri, { at, wait });
  const generationIds = submitted.flatMap((request) => request.generationIds);
  return wait ? { generationIds, files: await savedFiles(submitted) } : { generationIds };
}

function goToPlaceholder(error: unknown): Action[] {
  if (!(error instanceof PromptLinkError)) return [];
  const { uri, range } = error.location;
  return [{ title: vscode.l10n.t('Go to Placeholder'), run: () => vscode.window.showTextDocument(uri, { selection: range }) }];
}

async function interactive(deps: PromptLinkCommandDependencies, uri: vscode.Uri, at: vscode.Position | undefined): Promise<void> {
  try {
    const title = vscode.l10n.t('Generating images in {0}', vscode.workspace.asRelativePath(uri));
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, cancellation) => {
      const submitted: Submitted[] = [];
      const cancelAll = () => Promise.all(submitted.map((request) => deps.runner.cancelBatch(request.batchId)));
      const subscription = cancellation.onCancellationRequested(() => void cancelAll());
      try {
        await deps.generator.generate(uri, {
          at,
          wait: true,
          shouldStop: () => cancellation.isCancellationRequested,
          onSubmitted: (request, index, total) => {
            submitted.push(request);
            if (cancellation.isCancellationRequested) void deps.runner.cancelBatch(request.batchId);
            progress.report({ message: vscode.l10n.t('{0} of {1} sent', index + 1, total), increment: 100 / total });
          },
        });
        if (submitted.length === 0) {
          void vscode.window.showInformationMessage(vscode.l10n.t('There are no image placeholders like ![prompt](oxen:generate) to fill in this document.'));
        }
        // Each outcome is reported (and its link filled or given back) by the result handler.
        await Promise.allSettled(submitted.map((request) => request.files));
      } finally {
        subscription.dispose();
      }
    });
  } catch (error) {
    if (error instanceof PromptLinkInFlightError) void vscode.window.showInformationMessage(error.message);
    else showError(describeError(error), goToPlaceholder(error));
  }
}

function activeMarkdownDocument(): vscode.Uri | undefined {
  const document = vscode.window.activeTextEditor?.document;
  return document?.languageId === 'markdown' ? document.uri : undefined;
}

export function generateAllImagesCommand(deps: PromptLinkCommandDependencies) {
  return async (argument?: unknown): Promise<RunResult | undefined> => {
    if (argument === undefined || argument instanceof vscode.Uri) {
      const uri = argument ?? activeMarkdownDocument();
      if (uri) await interactive(deps, uri, undefined);
      else void vscode.window.showInformationMessage(vscode.l10n.t('Open a markdown document with image placeholders like ![prompt](oxen:generate) first.'));
      return undefined;
    }
    requireTrustedWorkspace();
    const parsed = parseCommandArgument(documentArgument, COMMANDS.generateAllImages, argument);
    return scripted(deps, parseUri(COMMANDS.generateAllImages, 'uri', parsed.uri), undefined, parsed.wait ?? false);
  };
}

export function generatePromptLinkCommand(deps: PromptLinkCommandDependencies) {
  return async (argument?: unknown): Promise<RunResult | undefined> => {
    if (argument instanceof vscode.Location) {
      await interactive(deps, argument.uri, argument.range.start);
      return undefined;
    }
    requireTrustedWorkspace();
    const parsed = parseCommandArgument(linkArgument, COMMANDS.generatePromptLink, argument);
    return scripted(deps, parseUri(COMMANDS.generatePromptLink, 'uri', parsed.uri), new vscode.Position(parsed.line, parsed.character), parsed.wait ?? false);
  };
}
