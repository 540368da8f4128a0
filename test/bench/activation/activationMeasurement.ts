import { atLatencyPriority } from '../support/priority';
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
      // Only the stand-in timings are latency-bound; the build and the real host run at normal priority.
      const { result: cost, note: priority } = await atLatencyPriority(() => measureActivationCost(build.root));
      const realHost = await measureRealHostActivation(build.dist);
      return {
        id: this.id,
        title: this.title,
        figures: [...sizes, ...cost.figures, ...realHost.figures],
        notes: [...cost.notes, `Stand-in harness: ${priority}`, ...realHost.notes],
        details: { runs: cost.runs, realHost: realHost.details },
      };
    } finally {
      await build.remove();
    }
  },
};
