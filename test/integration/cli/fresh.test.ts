// `--fresh` on `pgentra token`, `pgentra query` and `pgentra psql`: with a valid token in the
// cache, each asks Entra for a new one (one refresh-token request each), where the same command
// without --fresh answers from the cache — what a person needs after a PIM activation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandEntry } from '../../../electron/cli/command.js';
import { runCli } from '../../../electron/cli/dispatcher.js';
import type { SimulatedAzure } from '../../sim/index.js';
import { startSignedInProfile, type SignedInProfile } from './signedInProfile.js';

const keyring = process.env.PGENTRA_KEYRING_READY === '1';
const PROFILE = 'sim-admins';

const COMMANDS: CommandEntry[] = [
  { name: 'token', summary: 'token', load: async () => (await import('../../../electron/cli/commands/token.js')).command },
  { name: 'query', summary: 'query', load: async () => (await import('../../../electron/cli/commands/query.js')).command },
  { name: 'psql', summary: 'psql', load: async () => (await import('../../../electron/cli/commands/psql.js')).command },
];

let sim: SimulatedAzure;
let home: string;

interface Run {
  code: number;
  out: string;
  err: string;
}

async function cli(argv: string[]): Promise<Run> {
  let out = '';
  let err = '';
  const env: NodeJS.ProcessEnv = { ...process.env, PGENTRA_HOME: home, PGPASSFILE: '/nonexistent/pgentra-test-pgpass' };
  delete env.PGENTRA_CLOUD_FILE;
  const code = await runCli(argv, { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, env, cwd: home, commands: COMMANDS });
  return { code, out, err };
}

const refreshes = (): number => sim.entra.control.requestCount('token:refresh_token');

let fixture: SignedInProfile | undefined;
beforeAll(async () => {
  if (!keyring) return;
  fixture = await startSignedInProfile(PROFILE, 'pgentra-cli-fresh-');
  ({ sim, home } = fixture);
});

afterAll(async () => {
  await fixture?.stop();
});

describe.skipIf(!keyring)('--fresh bypasses the token cache', () => {
  it('pgentra token: cached without --fresh, one Entra request with it', async () => {
    const before = refreshes();
    const cached = await cli(['token', PROFILE]);
    expect(cached.code).toBe(0);
    expect(refreshes()).toBe(before);
    const fresh = await cli(['token', PROFILE, '--fresh']);
    expect(fresh.err).toBe('');
    expect(fresh.code).toBe(0);
    expect(fresh.out.trim()).toMatch(/^eyJ/);
    expect(fresh.out.trim()).not.toBe(cached.out.trim());
    expect(refreshes()).toBe(before + 1);
  });

  it('pgentra query --fresh logs in with a new token', async () => {
    const before = refreshes();
    const r = await cli(['query', PROFILE, '-c', 'select current_user', '--fresh']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('db-admins');
    expect(refreshes()).toBe(before + 1);
  });

  it('pgentra psql --fresh gives psql a new token', async () => {
    const before = refreshes();
    const r = await cli(['psql', PROFILE, '--fresh', '--', '-Atc', 'select current_user']);
    expect(r.code).toBe(0);
    expect(refreshes()).toBe(before + 1);
  });

  it('the help texts describe --fresh and PIM', async () => {
    for (const name of ['token', 'query', 'psql']) {
      const h = await cli([name, '--help']);
      expect(h.out).toContain('--fresh');
      expect(h.out).toContain('Privileged Identity Management');
    }
  });
});
