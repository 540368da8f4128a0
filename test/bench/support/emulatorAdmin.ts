import { request } from 'undici';
import type { FaultConfig } from '../../emulator/faults';
import type { GenerationRow, RecordedRequest } from '../../emulator/server';

/** performance.now() counts from process start on the same monotonic clock as process.hrtime. */
const PERFORMANCE_ZERO_NS = process.hrtime.bigint() - BigInt(Math.round(performance.now() * 1e6));

function monotonicToPerformanceNow(ns: bigint): number {
  return Number(ns - PERFORMANCE_ZERO_NS) / 1e6;
}

/**
 * Drives an emulator running in another process through its admin endpoints
 * (test/emulator/README.md): used where the client under test must be measured alone.
 */
export class EmulatorAdmin {
  constructor(private readonly apiUrl: string) {}

  hold(on: boolean): Promise<unknown> {
    return this.post('/__emulator/hold', { on });
  }

  settle(id: string, status: 'succeeded' | 'failed' = 'succeeded'): Promise<unknown> {
    return this.post('/__emulator/settle', { id, status });
  }

  /**
   * Settles a generation succeeded and returns when the emulator wrote its SSE event, as a
   * performance.now() of THIS process: both read the machine-wide monotonic clock.
   */
  async settleAt(id: string): Promise<number> {
    const { settledAtNs } = (await this.settle(id)) as { settledAtNs: string };
    return monotonicToPerformanceNow(BigInt(settledAtNs));
  }

  faults(patch: Partial<FaultConfig>): Promise<unknown> {
    return this.post('/__emulator/faults', patch);
  }

  async state(): Promise<{ generations: GenerationRow[]; sse: { open: number; total: number } }> {
    return (await this.get('/__emulator/state')) as { generations: GenerationRow[]; sse: { open: number; total: number } };
  }

  async requests(): Promise<RecordedRequest[]> {
    return (await this.get('/__emulator/requests')) as RecordedRequest[];
  }

  private async get(adminPath: string): Promise<unknown> {
    const response = await request(`${this.apiUrl}${adminPath}`);
    return this.answer(response, adminPath);
  }

  private async post(adminPath: string, body: unknown): Promise<unknown> {
    const response = await request(`${this.apiUrl}${adminPath}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return this.answer(response, adminPath);
  }

  private async answer(response: Awaited<ReturnType<typeof request>>, adminPath: string): Promise<unknown> {
    const text = await response.body.text();
    if (response.statusCode !== 200) throw new Error(`emulator ${adminPath} answered ${response.statusCode}: ${text}`);
    return JSON.parse(text);
  }
}
