// A CA an administrator adds with NODE_EXTRA_CA_CERTS must be trusted wherever pgEntra builds its
// own trust list (sessions, the proxy, the psql/pgAdmin CA bundle), as Node trusts it by default.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import 'reflect-metadata';
import { createTlsMaterial } from '../../sim/ca.js';

const root = path.resolve(import.meta.dirname, '../../..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'pgentra-roots-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs a TypeScript snippet in a new Node process (NODE_EXTRA_CA_CERTS is read at start). */
function run(script: string, env: NodeJS.ProcessEnv): string {
  const file = path.join(dir, `probe-${Math.random().toString(36).slice(2)}.ts`);
  writeFileSync(file, script);
  return execFileSync(process.execPath, ['--import', 'tsx', file], { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8' });
}

describe('trusted roots', () => {
  it('include NODE_EXTRA_CA_CERTS in the session trust store and in the CA bundle for psql/pgAdmin', async () => {
    const tls = await createTlsMaterial();
    const caFile = path.join(dir, 'enterprise-ca.pem');
    writeFileSync(caFile, tls.caCertPem);
    const probe = `
      import { createServer } from 'node:tls';
      import { connect } from 'node:tls';
      import { caBundleText } from ${JSON.stringify(path.join(root, 'electron/interop/caBundle.ts'))};
      import { buildSslOptions } from ${JSON.stringify(path.join(root, 'electron/base/tls.ts'))};
      const pem = ${JSON.stringify(tls.caCertPem.trim())};
      const server = createServer({ cert: ${JSON.stringify(tls.certPem)}, key: ${JSON.stringify(tls.keyPem)} }, (s) => s.end());
      server.listen(0, '127.0.0.1', () => {
        const port = (server.address() as { port: number }).port;
        const opts = buildSslOptions({ sslmode: 'verify-full', host: 'localhost', weakerTlsConfirmed: false });
        const socket = connect({ ...opts, host: '127.0.0.1', port }, () => finish('verified'));
        socket.on('error', (e: NodeJS.ErrnoException) => finish(e.code ?? e.message));
        function finish(outcome: string): void {
          socket.destroy();
          server.close();
          console.log(JSON.stringify({ inBundle: caBundleText().includes(pem), outcome }));
        }
      });`;
    const without = JSON.parse(run(probe, { NODE_EXTRA_CA_CERTS: '' })) as { inBundle: boolean; outcome: string };
    expect(without).toEqual({ inBundle: false, outcome: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    const withCa = JSON.parse(run(probe, { NODE_EXTRA_CA_CERTS: caFile })) as { inBundle: boolean; outcome: string };
    expect(withCa).toEqual({ inBundle: true, outcome: 'verified' });
  });
});
