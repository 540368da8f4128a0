/** The Oxen API emulator the harness started, driven over its admin endpoints. */
import { strict as assert } from 'node:assert';

export interface RecordedRequest {
  method: string;
  path: string;
  origin: 'api' | 'storage';
  authorization?: string;
}

function emulatorUrl(): string {
  const url = process.env.OXEN_EMULATOR_URL;
  assert.ok(url, 'OXEN_EMULATOR_URL is set by the harness');
  return url;
}

async function admin(method: 'GET' | 'POST', endpoint: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${emulatorUrl()}/__emulator/${endpoint}`, {
    method,
    headers: body === undefined ? undefined : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = (await response.json()) as unknown;
  assert.ok(response.ok, `emulator ${endpoint}: HTTP ${response.status} ${JSON.stringify(answer)}`);
  return answer;
}

export interface EmulatorState {
  generations: GenerationRow[];
  sse: { open: number; total: number };
  injectedFaults: Record<string, number>;
}

export const emulator = {
  url: emulatorUrl,
  /** Clears faults, the request log and hold, and accepts the started key again. */
  reset: () => admin('POST', 'reset'),
  /** While on, new generations wait until settled or cancelled. */
  hold: (on: boolean) => admin('POST', 'hold', { on }),
  /** Moves a held, queued generation to processing, where it stays until settled. */
  start: (id: string) => admin('POST', 'start', { id }),
  settle: (id: string, status: 'succeeded' | 'failed', error?: string) => admin('POST', 'settle', { id, status, error }),
  faults: (patch: Record<string, unknown>) => admin('POST', 'faults', patch),
  requests: async () => (await admin('GET', 'requests')) as RecordedRequest[],
  state: async () => (await admin('GET', 'state')) as EmulatorState,
  /** Every generation Oxen holds (made and billed), as GET /api/ai/queue/{id} rows. */
  generations: async () => (await emulator.state()).generations,
  /** Accept this key instead of the started one, until the next reset. */
  acceptKey: (key: string) => admin('POST', 'api-key', { key }),
};

export interface GenerationRow {
  generation_id: string;
  status: string;
  /** The request's parameters (prompt, seed, aspect_ratio, …) sit beside the status fields. */
  [parameter: string]: unknown;
}

/** Requests that would have created (and billed) a generation. */
export function enqueues(requests: readonly RecordedRequest[]): RecordedRequest[] {
  return requests.filter((request) => request.method === 'POST' && request.path === '/api/ai/queue');
}
