/**
 * UI text. Every string is written in English at its call site as `t('…')`; the host sends the
 * localised table in the snapshot (built with vscode.l10n.t over UI_STRINGS, which a unit test
 * keeps in sync with the calls here). `{0}`, `{1}` are filled from the arguments.
 */
let table: Record<string, string> = {};

export function setStrings(strings: Record<string, string>): void {
  table = strings;
}

export function t(message: string, ...args: Array<string | number>): string {
  const text = Object.prototype.hasOwnProperty.call(table, message) ? table[message]! : message;
  return text.replace(/\{(\d+)\}/g, (match, index: string) => {
    const value = args[Number(index)];
    return value === undefined ? match : String(value);
  });
}
