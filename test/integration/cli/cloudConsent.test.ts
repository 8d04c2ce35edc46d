// Issue #11, first attack, end to end: a profile export whose own custom cloud file has the REAL
// authority, resource and client id but the attacker's CA and `postgresDomains: ["127.0.0.1"]`.
// Before the fix, `profiles import` + `query` sent the victim's cached Entra token (same authority,
// same keychain cache) as the password to the attacker's TLS server. Now: confirmation_required,
// and the attacker receives nothing. Plus: network paths and other-user-writable files refused;
// consent recorded → works; file edited → asks again; a custom cloud never reuses another's tokens.
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenBroker } from '../../../electron/auth/tokenBroker.js';
import { runCli } from '../../../electron/cli/dispatcher.js';
import { EXIT } from '../../../electron/cli/exitCodes.js';
import { preflight } from '../../../electron/connect/preflight.js';
import { silentLogger } from '../../../electron/log/logger.js';
import { PgEntraError } from '../../../shared/errors.js';
import { createTlsMaterial } from '../../sim/ca.js';
import { ACCOUNTS } from '../../sim/types.js';
import { startSignedInProfile, type SignedInProfile } from './signedInProfile.js';

const keyring = process.env.PGENTRA_KEYRING_READY === '1';

/** A fake PostgreSQL server with its own CA: asks for a cleartext password and records it. */
async function startAttacker(): Promise<{ port: number; caFile: string; passwords: string[]; connections: number; close(): Promise<void> }> {
  const mat = await createTlsMaterial();
  const dir = mkdtempSync(path.join(tmpdir(), 'pgentra-attacker-'));
  const caFile = path.join(dir, 'attacker-ca.pem');
  writeFileSync(caFile, mat.caCertPem, { mode: 0o644 });
  const state = { passwords: [] as string[], connections: 0 };
  const server = net.createServer((sock) => {
    state.connections++;
    sock.on('error', () => undefined);
    sock.once('data', () => {
      sock.write('S'); // yes to SSLRequest
      const t = new tls.TLSSocket(sock, { isServer: true, key: mat.keyPem, cert: mat.certPem });
      t.on('error', () => undefined);
      let buf = Buffer.alloc(0);
      let startupSeen = false;
      t.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        if (!startupSeen && buf.length >= 4 && buf.length >= buf.readInt32BE(0)) {
          startupSeen = true;
          buf = buf.subarray(buf.readInt32BE(0));
          const r = Buffer.alloc(9);
          r.write('R', 0);
          r.writeInt32BE(8, 1);
          r.writeInt32BE(3, 5); // AuthenticationCleartextPassword
          t.write(r);
        }
        if (startupSeen && buf.length >= 5 && buf[0] === 0x70 /* p */) {
          const len = buf.readInt32BE(1);
          if (buf.length >= 1 + len) {
            state.passwords.push(buf.subarray(5, len).toString('utf8').replace(/\0$/, ''));
            t.destroy();
          }
        }
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    caFile,
    get passwords() {
      return state.passwords;
    },
    get connections() {
      return state.connections;
    },
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        rmSync(dir, { recursive: true, force: true });
      }),
  } as never;
}

let fixture: SignedInProfile | undefined;
let attacker: Awaited<ReturnType<typeof startAttacker>>;
let work: string;

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const env: NodeJS.ProcessEnv = { ...process.env, PGENTRA_HOME: fixture!.home };
  delete env.PGENTRA_CLOUD_FILE;
  const code = await runCli(argv, { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, env, cwd: work });
  return { code, out, err };
}

function exportWith(name: string, customFile: string, host: string, port: number): string {
  const file = path.join(work, `${name.replace(/\W+/g, '-')}.json`);
  const profile = {
    name,
    host,
    port,
    database: 'postgres',
    username: ACCOUNTS.adminGroup,
    credential: { kind: 'interactive', account: ACCOUNTS.secondary },
    cloud: { customFile },
    confirmations: { nonAzureHost: true }, // an export may claim anything; consent is not in it
  };
  writeFileSync(file, JSON.stringify({ format: 'pgentra-profiles', version: 1, profiles: [profile] }));
  return file;
}

beforeAll(async () => {
  if (!keyring) return;
  fixture = await startSignedInProfile('Prod', 'pgentra-consent-');
  attacker = await startAttacker();
  work = mkdtempSync(path.join(tmpdir(), 'pgentra-consent-work-'));
}, 180_000);

afterAll(async () => {
  await attacker?.close();
  await fixture?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe.skipIf(!keyring)('custom cloud consent (issue #11)', () => {
  it('an imported profile with its own cloud file (real authority, attacker CA and domains) gets confirmation_required; the attacker receives no password', async () => {
    const real = JSON.parse(readFileSync(fixture!.sim.stateFile, 'utf8')) as Record<string, unknown>;
    const evilCloud = path.join(work, 'team-cloud.json');
    writeFileSync(evilCloud, JSON.stringify({ ...real, caFile: attacker.caFile, postgresDomains: ['127.0.0.1'] }), { mode: 0o644 });
    const team = exportWith('Prod (shared by team)', evilCloud, '127.0.0.1', attacker.port);
    const imported = await cli(['profiles', 'import', team]);
    expect(imported.code).toBe(EXIT.ok);
    expect(imported.err).toMatch(/not trusted.*pgentra clouds trust/);

    const q = await cli(['query', 'Prod (shared by team)', '-c', 'select 1']);
    expect(q.code).not.toBe(EXIT.ok);
    expect(q.err).toMatch(/has not been confirmed on this machine/);
    expect(q.err).toContain(`pgentra clouds trust ${evilCloud}`);
    expect(q.err).not.toContain(fixture!.token);
    // The same for every other way a token leaves: token PROFILE, env --with-token, the broker itself.
    expect((await cli(['token', 'Prod (shared by team)'])).code).not.toBe(EXIT.ok);
    expect((await cli(['env', 'Prod (shared by team)', '--with-token'])).code).not.toBe(EXIT.ok);
    const broker = new TokenBroker({ dataDir: fixture!.home, logger: silentLogger });
    await expect(broker.getToken({ credential: { kind: 'interactive', account: ACCOUNTS.secondary }, cloud: evilCloud })).rejects.toMatchObject({ code: 'confirmation_required' });
    broker.close();
    expect(attacker.passwords).toEqual([]);
    expect(attacker.connections).toBe(0);
  });

  it('network paths (UNC, //host/share) are refused as cloud files', async () => {
    for (const unc of ['\\\\evil-host\\share\\cloud.json', '//evil-host/share/cloud.json']) {
      // The import itself keeps no such profile (its host cannot be checked against an unreadable cloud) …
      const imp = await cli(['profiles', 'import', exportWith(`unc ${unc.length}`, unc, '127.0.0.1', attacker.port)]);
      expect(imp.code).toBe(EXIT.dataError);
      // … and the pre-flight every connection runs (a hand-edited profile) refuses the path itself.
      expect(() => preflight({ host: '127.0.0.1', sslmode: 'verify-full', cloud: { customFile: unc }, confirmations: { nonAzureHost: true } }, { dataDir: fixture!.home })).toThrow(/network share/);
      const broker = new TokenBroker({ dataDir: fixture!.home, logger: silentLogger, explicitCloudFiles: [unc] });
      await expect(broker.getToken({ credential: { kind: 'interactive', account: ACCOUNTS.secondary }, cloud: unc })).rejects.toMatchObject({ code: 'cloud_file_unsafe' });
      broker.close();
      const t = await cli(['clouds', 'trust', unc]);
      expect(t.code).toBe(EXIT.dataError);
      expect(t.err).toMatch(/network share/);
    }
    expect(attacker.passwords).toEqual([]);
  });

  it('a cloud file (or its folder) that another user can write is refused', async () => {
    const dir = mkdtempSync(path.join(work, 'writable-'));
    const file = path.join(dir, 'cloud.json');
    writeFileSync(file, readFileSync(fixture!.sim.stateFile));
    chmodSync(file, 0o666);
    const t = await cli(['clouds', 'trust', file]);
    expect(t.code).toBe(EXIT.dataError);
    expect(t.err).toMatch(/can be changed by other users/);
    chmodSync(file, 0o644);
    chmodSync(dir, 0o777);
    const d = await cli(['clouds', 'trust', file]);
    expect(d.err).toMatch(/folder of the cloud file .* can be changed by other users/);
    chmodSync(dir, 0o700);
    expect((await cli(['clouds', 'trust', file, '--yes'])).code).toBe(EXIT.ok);
  });

  it('consent recorded → the profile connects; the cloud file edited → asks again', async () => {
    // The fixture's own profile: its cloud file was trusted (as `pgentra clouds trust` records it).
    const ok = await cli(['query', 'Prod', '-c', 'select 1 as one', '--csv']);
    expect(ok.err).toBe('');
    expect(ok.code).toBe(EXIT.ok);
    // A copy of the cloud file, trusted, used by a new profile.
    const copy = path.join(work, 'own-cloud.json');
    copyFileSync(fixture!.sim.stateFile, copy);
    const add = await cli([
      '--cloud',
      copy,
      'profiles',
      'add',
      'Own',
      '--host',
      fixture!.sim.state.server.host,
      '--port',
      String(fixture!.sim.state.server.port),
      '--user',
      ACCOUNTS.adminGroup,
      '--account',
      ACCOUNTS.secondary,
      '--allow-non-azure-host',
    ]);
    expect(add.code).toBe(EXIT.ok);
    expect(add.err).toMatch(/connects only after you trust its cloud file/);
    expect((await cli(['query', 'Own', '-c', 'select 1'])).err).toMatch(/has not been confirmed/);
    const trust = await cli(['clouds', 'trust', copy]);
    expect(trust.code).toBe(EXIT.ok);
    expect(trust.out).toContain('Token audience:');
    expect(trust.out).toContain('CA:');
    // Its own cache partition: the sign-in of the other cloud file is not reused.
    const first = await cli(['query', 'Own', '-c', 'select 1']);
    expect(first.code).toBe(EXIT.signInRequired);
    // Edited after the consent → confirmation_required again (changed).
    appendFileSync(copy, '\n');
    const changed = await cli(['query', 'Own', '-c', 'select 1']);
    expect(changed.code).not.toBe(EXIT.ok);
    expect(changed.err).toMatch(/changed since you trusted it/);
  });

  it("a second custom cloud with the same authority but another CA file cannot obtain the first one's token without its own sign-in", async () => {
    const dir = mkdtempSync(path.join(work, 'second-'));
    const ca = path.join(dir, 'ca-copy.pem');
    copyFileSync(fixture!.sim.caFile, ca);
    const second = path.join(dir, 'cloud.json');
    const real = JSON.parse(readFileSync(fixture!.sim.stateFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(second, JSON.stringify({ ...real, caFile: ca }));
    const broker = new TokenBroker({ dataDir: fixture!.home, logger: silentLogger, explicitCloudFiles: [second] });
    try {
      const credential = { kind: 'interactive' as const, account: ACCOUNTS.secondary };
      // Cloud A (the fixture's trusted state file) has a cached token …
      const a = await broker.getTokenWithSource({ credential, cloud: fixture!.sim.stateFile });
      expect(a.token).toBe(fixture!.token);
      // … cloud B (same authority, resource, client id; another CA file) sees no account at all.
      const err = await broker.getToken({ credential, cloud: second }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(PgEntraError);
      expect((err as PgEntraError).code).toBe('sign_in_required');
      expect(await broker.listAccounts(second)).toEqual([]);
      expect((await broker.listAccounts(fixture!.sim.stateFile)).map((x) => x.username)).toContain(ACCOUNTS.secondary);
    } finally {
      broker.close();
    }
  });
});
