import * as vscode from 'vscode';

/** No key in SecretStorage and none in `OXEN_API_KEY`: nothing is sent without one. */
export class MissingApiKeyError extends Error {
  constructor() {
    super(vscode.l10n.t('No Oxen API key is set. Run “Oxen Image Studio: Set API Key” (or set OXEN_API_KEY) first.'));
    this.name = new.target.name;
  }
}

/** A request the extension refuses before sending anything: bad argument, parameters or target. */
export class InvalidRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The core was shut down (window closing, reload, settings change) before the request finished. */
export class ShutDownError extends Error {
  constructor() {
    super(vscode.l10n.t('Oxen Image Studio stopped before the images were saved; unfinished generations resume when it starts again.'));
    this.name = new.target.name;
  }
}
