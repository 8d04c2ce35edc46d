// `pgentra settings` through the real dispatcher (in-process), with a throwaway PGENTRA_HOME: list,
// set, unset, reset, --json, validation; the dispatcher applying trust-os-certificates before a
// command runs; a broken settings file stopping other commands but repairable with reset.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CommandEntry } from '../../../electron/cli/command.js';
import { COMMANDS } from '../../../electron/cli/commands/index.js';
import { clientIdFor } from '../../../electron/auth/msalApps.js';
import { BUILTIN_CLOUDS } from '../../../shared/clouds.js';
import { configureTrust, osCertificatesTrusted } from '../../../electron/base/trustedRoots.js';
import { CA_BUNDLE_FILE } from '../../../electron/interop/caBundle.js';
import { runCliCaptured, type CapturedRun } from '../../support/inProcessCli.js';

let home: string;
beforeEach(() => {
  home = mkdtempSync(path.join(os.tmpdir(), 'pgentra-settings-'));
});
afterEach(() => {
  rmSync(home, { recursive: true, force: true });
  configureTrust({ osCertificates: true });
});

/** Prints the client id the broker of this run signs in to each built-in cloud with. */
const PROBE: CommandEntry = {
  name: 'probe-client-ids',
  summary: 'test',
  load: () =>
    Promise.resolve({
      name: 'probe-client-ids',
      summary: 'test',
      help: '',
      options: {},
      async run(ctx) {
        const broker = await ctx.services.broker();
        ctx.stdout.write(JSON.stringify(Object.fromEntries(Object.entries(BUILTIN_CLOUDS).map(([name, cloud]) => [name, clientIdFor(cloud, broker.apps.settings)]))));
        broker.close();
        return 0;
      },
    }),
};

const cli = (...argv: string[]): Promise<CapturedRun> => runCliCaptured(argv, { env: { PGENTRA_HOME: home, PATH: process.env.PATH ?? '' }, cwd: home, commands: [...COMMANDS, PROBE] });

const file = (): string => path.join(home, 'settings.json');

describe('pgentra settings', () => {
  it('lists every key with its value, its default and the file', async () => {
    const r = await cli('settings');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`Settings in ${file()} (not written yet`);
    expect(r.out).toMatch(/trust-os-certificates\s+on\s+default on/);
    expect(r.out).toMatch(/client-id\.public\s+\(not set\)\s+default 04b07795-8ddb-461a-bbee-02f9e1bf7b46 \(the Azure CLI's\)/);
    expect(r.out).toMatch(/client-id\.usgov/);
    expect(r.out).toMatch(/client-id\.china/);
    expect(r.out).toMatch(/OS certificate store on: /);
    const json = JSON.parse((await cli('settings', '--json')).out) as { file: string; settings: { key: string; value: string | null; default: string }[]; trust: { osCertificates: boolean } };
    expect(json.file).toBe(file());
    expect(json.settings.map((s) => s.key)).toEqual(['trust-os-certificates', 'client-id.public', 'client-id.usgov', 'client-id.china']);
    expect(json.settings[1]).toMatchObject({ value: null });
    expect(json.trust.osCertificates).toBe(true);
  });

  it('set / unset trust-os-certificates: written, applied, and the psql/pgAdmin CA bundle follows', async () => {
    mkdirSync(path.join(home, 'certs'), { recursive: true });
    writeFileSync(path.join(home, 'certs', CA_BUNDLE_FILE), 'stale\n');
    const off = await cli('settings', 'set', 'trust-os-certificates', 'off');
    expect(off).toMatchObject({ code: 0, err: '' });
    expect(off.out).toContain("trust-os-certificates is now off. pgEntra trusts only Node's bundled roots and NODE_EXTRA_CA_CERTS");
    expect(JSON.parse(readFileSync(file(), 'utf8'))).toMatchObject({ trustOsCertificates: false });
    expect(readFileSync(path.join(home, 'certs', CA_BUNDLE_FILE), 'utf8')).toContain('BEGIN CERTIFICATE');
    // The next command starts with the setting applied.
    configureTrust({ osCertificates: true });
    await cli('settings');
    expect(osCertificatesTrusted()).toBe(false);
    const on = await cli('settings', 'unset', 'trust-os-certificates');
    expect(on.out).toMatch(/^trust-os-certificates is now on\. pgEntra trusts the operating system's certificate store too\. OS certificate store on: /);
    expect(osCertificatesTrusted()).toBe(true);
  });

  it('client ids: a GUID per cloud, and the line that says to sign in again', async () => {
    const set = await cli('settings', 'set', 'client-id.usgov', '9DC2D27B-0177-4AF7-A5FE-F8866C83E5AC');
    expect(set.code).toBe(0);
    expect(set.out).toBe('client-id.usgov is now 9dc2d27b-0177-4af7-a5fe-f8866c83e5ac. Accounts signed in with another client id must sign in again: pgentra login --cloud usgov.\n');
    expect(JSON.parse(readFileSync(file(), 'utf8'))).toMatchObject({ clientIds: { usgov: '9dc2d27b-0177-4af7-a5fe-f8866c83e5ac' } });
    const json = JSON.parse((await cli('settings', 'set', 'client-id.public', '9dc2d27b-0177-4af7-a5fe-f8866c83e5ac', '--json')).out) as unknown;
    expect(json).toEqual({ key: 'client-id.public', value: '9dc2d27b-0177-4af7-a5fe-f8866c83e5ac', default: "04b07795-8ddb-461a-bbee-02f9e1bf7b46 (the Azure CLI's)" });
    // The next command's sign-ins use them; --client-id still wins.
    expect(JSON.parse((await cli('probe-client-ids')).out)).toEqual({
      public: '9dc2d27b-0177-4af7-a5fe-f8866c83e5ac',
      usgov: '9dc2d27b-0177-4af7-a5fe-f8866c83e5ac',
      china: '04b07795-8ddb-461a-bbee-02f9e1bf7b46',
    });
    expect(JSON.parse((await cli('probe-client-ids', '--client-id', '11111111-2222-3333-4444-555555555555')).out)).toMatchObject({ public: '11111111-2222-3333-4444-555555555555' });
    const unset = await cli('settings', 'unset', 'client-id.usgov');
    expect(unset.out).toContain('client-id.usgov is now unset (default 04b07795');
    const reset = await cli('settings', 'reset');
    expect(reset.out).toContain('Every setting is back to its default');
    expect(reset.out).toContain('must sign in again');
    expect(JSON.parse(readFileSync(file(), 'utf8'))).toEqual({ version: 1, trustOsCertificates: true, clientIds: {} });
  });

  it('refuses unknown keys, bad values and missing arguments (exit 64), and writes nothing', async () => {
    const unknown = await cli('settings', 'set', 'proxy', 'x');
    expect(unknown.code).toBe(64);
    expect(unknown.err).toContain('There is no setting "proxy". Keys: trust-os-certificates, client-id.public, client-id.usgov, client-id.china.');
    const bad = await cli('settings', 'set', 'trust-os-certificates', 'maybe');
    expect(bad.code).toBe(64);
    expect(bad.err).toContain('trust-os-certificates is on or off, not "maybe"');
    const guid = await cli('settings', 'set', 'client-id.china', 'not-a-guid');
    expect(guid.code).toBe(64);
    expect(guid.err).toContain('must be an application (client) id');
    expect((await cli('settings', 'set', 'client-id.china')).code).toBe(64);
    expect((await cli('settings', 'frobnicate')).code).toBe(64);
    expect(existsSync(file())).toBe(false);
  });

  it('a broken settings file stops other commands with how to fix it; `settings reset` repairs it', async () => {
    writeFileSync(file(), '{ not json');
    const other = await cli('accounts');
    expect(other.code).not.toBe(0);
    expect(other.err).toContain(`${file()} is not valid JSON.`);
    expect(other.err).toContain('pgentra settings reset');
    expect((await cli('settings')).code).not.toBe(0);
    expect((await cli('settings', 'reset')).code).toBe(0);
    expect((await cli('settings')).code).toBe(0);
  });
});
