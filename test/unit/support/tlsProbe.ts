/**
 * Run in a child process by network.test.ts (REL-11): NODE_EXTRA_CA_CERTS is read only when Node
 * starts. For each URL argument, lists the models through the real transport and prints one JSON
 * line: {url, ok, models} or {url, ok: false, name, message, mayHaveReachedServer}.
 */
import { OxenNetworkError } from '../../../src/oxen/errors';
import { clientFor } from './oxen';

async function main(): Promise<void> {
  for (const url of process.argv.slice(2)) {
    // The child's own environment: HTTPS_PROXY / NO_PROXY apply when the test sets them.
    const client = clientFor(url, { env: process.env });
    try {
      const models = await client.listModels();
      process.stdout.write(`${JSON.stringify({ url, ok: true, models: models.length })}\n`);
    } catch (error) {
      const e = error as Error;
      const mayHaveReachedServer = error instanceof OxenNetworkError ? error.mayHaveReachedServer : undefined;
      process.stdout.write(`${JSON.stringify({ url, ok: false, name: e.name, message: e.message, mayHaveReachedServer })}\n`);
    } finally {
      await client.transport.close();
    }
  }
}

void main();
