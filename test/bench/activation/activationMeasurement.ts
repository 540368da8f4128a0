import type { Measurement, MeasurementReport } from '../support/results';
import { measureActivationCost } from './activationCost';
import { buildProduction } from './build';
import { measureBundleSizes } from './bundleSize';
import { measureRealHostActivation } from './realHostActivation';

/**
 * 1. Activation: bundle sizes and the cost of load + activate() on a fresh production build;
 * then the same once in a real extension host (code-server), reported, not asserted.
 */
export const activation: Measurement = {
  id: 'activation',
  title: 'Activation (production build)',
  async run(): Promise<MeasurementReport> {
    const build = await buildProduction();
    try {
      const sizes = await measureBundleSizes(build.dist);
      const cost = await measureActivationCost(build.root);
      const realHost = await measureRealHostActivation(build.dist);
      return {
        id: this.id,
        title: this.title,
        figures: [...sizes, ...cost.figures, ...realHost.figures],
        notes: [...cost.notes, ...realHost.notes],
        details: { runs: cost.runs, realHost: realHost.details },
      };
    } finally {
      await build.remove();
    }
  },
};
