/**
 * The last markdown link the gallery's "Copy markdown link" put on the clipboard, and whose image
 * it is. `vscode.env.clipboard` holds only text, so a paste is recognised as the gallery's by
 * exactly that text; the paste provider then rewrites it for the document it lands in. Lives in
 * the activation bundle: the sidebar (which copies) and the paste provider (which pastes) share it.
 */
export class CopiedLinks {
  private last: { text: string; generationId: string } | undefined;

  remember(text: string, generationId: string): void {
    this.last = { text, generationId };
  }

  hasCopied(): boolean {
    return this.last !== undefined;
  }

  /** The history id behind `pasted`, when it is the link the gallery copied last. */
  generationIdOf(pasted: string): string | undefined {
    return this.last !== undefined && pasted.trim() === this.last.text ? this.last.generationId : undefined;
  }
}
