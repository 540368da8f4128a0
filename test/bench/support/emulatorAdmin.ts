import { request } from 'undici';
import type { FaultConfig } from '../../emulator/faults';
import type { GenerationRow, RecordedRequest } from '../../emulator/server';

/**
 * Drives an emulator running in another process through its admin endpoints
 * (test/emulator/README.md): used where the client under test must be measured alone.
 */
export class EmulatorAdmin {
  constructor(private readonly apiUrl: string) {}

  hold(on: boolean): Promise<unknown> {
    return this.post('/__emulator/hold', { on });
  }

  settle(id: string): Promise<unknown> {
    return this.post('/__emulator/settle', { id, status: 'succeeded' });
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
