import { describeFailure, showError } from './errorReporting';

/**
 * Tells the user once that Oxen refused the key (the event stream and every request would
 * otherwise each say so), and again only after the key changed.
 */
export class UnauthorizedNotice {
  private shown = false;

  show(): void {
    if (this.shown) return;
    this.shown = true;
    showError(describeFailure({ kind: 'unauthorized', message: '' }));
  }

  keyChanged(): void {
    this.shown = false;
  }
}
