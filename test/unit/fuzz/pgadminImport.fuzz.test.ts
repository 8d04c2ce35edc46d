// Fuzz: pgAdmin servers.json imports. Any input → a plan or invalid_input (never another throw);
// applied through the store, a rejected or partly-bad file never alters or loses existing profiles.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { importPgAdminJson } from '../../../electron/interop/pgadminService.js';
import { planPgAdminImport, type PgAdminImportOptions } from '../../../electron/interop/pgadminImport.js';
import { ProfileStore } from '../../../electron/profiles/profileStore.js';
import { serializeStore } from '../../../electron/profiles/storeFile.js';
import { isPgEntraError } from '../../../shared/errors.js';
import { validateProfileInput, type Profile } from '../../../shared/profile.js';
import { FUZZ_TIMEOUT_MS, fuzzRuns, hostileJson, runFuzz } from './fuzzKit.js';

const STORE_RUNS = 1_500;

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const VALID_SERVERS = {
  Servers: {
    '1': { Name: 'Prod', Group: 'EU', Host: 'prod.postgres.database.azure.com', Port: 5432, MaintenanceDB: 'postgres', Username: 'db-admins', SSLMode: 'require', Comment: 'main', BGColor: '#336699' },
    '2': {
      Name: 'Other',
      Group: 'pgEntra',
      Host: 'db.example.com',
      Port: 6432,
      MaintenanceDB: 'sales',
      Username: 'alice',
      ConnectionParameters: { sslmode: 'verify-ca', connect_timeout: '10', sslrootcert: '/x/ca.pem', application_name: 'x' },
      PasswordExecCommand: 'pgentra token 0b6f7a36-8f3c-4c4e-9d0e-6a3b0f1f2a11',
      PasswordExecExpiration: 60,
      UseSSHTunnel: 1,
      TunnelHost: 'bastion',
      KerberosAuthentication: false,
    },
    '3': { Name: 'Svc', Group: 'Servers', MaintenanceDB: 'postgres', Service: 'prod', Shared: true },
  },
};

const options: fc.Arbitrary<PgAdminImportOptions> = fc.record(
  {
    cloud: fc.constantFrom('public' as const, 'usgov' as const, 'china' as const),
    allowedHosts: fc.array(fc.oneof(fc.constant('db.example.com'), fc.string({ maxLength: 20 })), { maxLength: 3 }),
    allowNonAzureHost: fc.boolean(),
    allowWeakerTls: fc.boolean(),
    account: fc.oneof(fc.constant('alice@contoso.example'), fc.string({ maxLength: 20 })),
    folder: fc.oneof(fc.constant(''), fc.string({ maxLength: 80 })),
  },
  { requiredKeys: ['cloud', 'allowWeakerTls'] },
);

function profile(name: string): Profile {
  const r = validateProfileInput({ name, host: `${name.toLowerCase()}.postgres.database.azure.com`, username: 'db-admins' });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.profile;
}

const input = (h: { kind: 'value' | 'text'; doc: unknown }): unknown => (h.kind === 'text' ? String(h.doc) : h.doc);

describe('fuzz: pgAdmin servers.json import', () => {
  it(
    'planPgAdminImport: a plan or invalid_input, never another error',
    async () => {
      await runFuzz('pgadmin-plan', [hostileJson(VALID_SERVERS), options], (h, opts) => {
        let plan;
        try {
          plan = planPgAdminImport(input(h), opts);
        } catch (e) {
          if (!isPgEntraError(e) || e.code !== 'invalid_input') throw e;
          return;
        }
        expect(opts.allowNonAzureHost).not.toBe(true);
        for (const p of plan.profiles) {
          expect(typeof p.input.host).toBe('string');
          expect(p.input.sslmode === 'verify-full' || opts.allowWeakerTls).toBe(true);
          // A planned profile is either valid or refused by the store's validation (never a throw).
          validateProfileInput({ ...p.input }, {});
        }
      });
    },
    FUZZ_TIMEOUT_MS,
  );

  it(
    'importPgAdminJson into a store: invalid_input or imported; existing profiles unchanged',
    async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'pgentra-fuzz-pgadmin-'));
      dirs.push(dir);
      const existing = [profile('Prod'), profile('Dev')];
      const original = serializeStore(existing, []);
      const file = path.join(dir, 'profiles.json');
      writeFileSync(file, original);
      const store = new ProfileStore({ dataDir: dir, lockTimeoutMs: 2_000 });
      await runFuzz(
        'pgadmin-import',
        [hostileJson(VALID_SERVERS), options, fc.constantFrom('skip' as const, 'rename' as const), fc.boolean()],
        async (h, opts, onConflict, confirmHostsFirst) => {
          if (readFileSync(file, 'utf8') !== original) writeFileSync(file, original);
          const text = h.kind === 'text' ? String(h.doc) : (JSON.stringify(h.doc) ?? '');
          let result;
          try {
            ({ result } = await importPgAdminJson(store, text, { ...opts, onConflict, confirmHostsFirst }));
          } catch (e) {
            if (!isPgEntraError(e) || e.code !== 'invalid_input') throw e;
          }
          const after = await store.list();
          for (const p of existing) expect(after.find((x) => x.id === p.id)).toEqual(p);
          if (!result || result.created.length === 0) {
            expect(readFileSync(file, 'utf8')).toBe(original);
            expect(after).toEqual(existing);
          } else {
            expect(after.length).toBe(existing.length + result.created.length);
          }
        },
        fuzzRuns(STORE_RUNS),
      );
    },
    FUZZ_TIMEOUT_MS,
  );
});
