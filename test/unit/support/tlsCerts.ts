import { execFileSync } from 'node:child_process';
import { promises as fs, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * A throw-away certificate authority and server certificates, made with `openssl` at test time
 * (REL-11): nothing secret is checked in, and every run gets fresh keys.
 */
export interface TestPki {
  dir: string;
  /** PEM file of the CA certificate (what NODE_EXTRA_CA_CERTS points at). */
  caFile: string;
  /** Signed by the CA for localhost and 127.0.0.1. */
  server: { key: Buffer; cert: Buffer };
  /** Signed by the CA for another name only (wrong.oxen.test). */
  wrongName: { key: Buffer; cert: Buffer };
  remove(): Promise<void>;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function leaf(dir: string, name: string, altNames: string): { key: Buffer; cert: Buffer } {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(dir, ['req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
  writeFileSync(path.join(dir, `${name}.ext`), `subjectAltName=${altNames}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-out', `${name}.crt`, '-extfile', `${name}.ext`]);
  return { key: readFileSync(path.join(dir, `${name}.key`)), cert: readFileSync(path.join(dir, `${name}.crt`)) };
}

export async function makeTestPki(): Promise<TestPki> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'oxen-pki-'));
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(dir, ['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=Oxen Image Studio Test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  return {
    dir,
    caFile: path.join(dir, 'ca.crt'),
    server: leaf(dir, 'server', 'DNS:localhost,IP:127.0.0.1'),
    wrongName: leaf(dir, 'wrong', 'DNS:wrong.oxen.test'),
    remove: () => fs.rm(dir, { recursive: true, force: true }),
  };
}
