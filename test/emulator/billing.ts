import type { Model } from './models';

export const INSUFFICIENT_CREDITS = 'Insufficient credits';

/**
 * Test hook (documented in README.md): a prompt mentioning "insufficient credits" is refused as if
 * the account had run dry, because the contract documents that failure but gives no way to cause it.
 */
export function lacksCredits(prompt: unknown): boolean {
  return typeof prompt === 'string' && prompt.toLowerCase().includes('insufficient credits');
}

/** What one succeeded image of this model costs in USD, or null when the model lists no price. */
export function costPerImage(model: Model): number | null {
  return model.pricing?.cost_per_image ?? null;
}

/**
 * Sums USD amounts as a decimal string the way the history endpoint reports them ("12.34"), or
 * null when nothing was charged. Summed in micro-dollars so 0.06 × 3 is "0.18", not 0.18000000000000002.
 */
export function formatTotalCost(amounts: Array<number | null>): string | null {
  const charged = amounts.filter((amount): amount is number => amount !== null);
  if (charged.length === 0) return null;
  const micros = charged.reduce((sum, amount) => sum + Math.round(amount * 1_000_000), 0);
  const [whole, fraction = ''] = (micros / 1_000_000).toFixed(6).split('.');
  return `${whole}.${fraction.replace(/0+$/, '').padEnd(2, '0')}`;
}
