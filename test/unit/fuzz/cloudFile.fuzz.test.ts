// Fuzz: custom cloud files. Any file content → a Cloud or a typed cloud_file_invalid error (a CA
// path on a network share: cloud_file_unsafe), through the real loader reading a real file.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCloudFile } from '../../../electron/base/cloudLoader.js';
import { CustomCloudFileSchema, cloudFromFile } from '../../../shared/clouds.js';
import { isPgEntraError } from '../../../shared/errors.js';
import { FUZZ_TIMEOUT_MS, fuzzRuns, hostileJson, runFuzz } from './fuzzKit.js';

/** Each load writes, stats and reads a file (~2.5 ms here): fewer by default, 10,000 with PGENTRA_FUZZ_RUNS=10000. */
const LOAD_RUNS = 4_000;

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const VALID_CLOUD = {
  authorityHost: 'https://login.sim.example:8443/',
  knownAuthorities: ['login.sim.example:8443'],
  resource: 'https://ossrdbms-aad.sim.example/',
  caFile: 'ca.pem',
  postgresDomains: ['.postgres.sim.example'],
  clientId: '04b07795-8ddb-461a-bbee-02f9e1bf7b46',
  tenantId: 'contoso.example',
  managementEndpoint: 'https://management.sim.example',
};

describe('fuzz: custom cloud files', () => {
  it(
    'schema + cloudFromFile: a Cloud or zod issues, never a throw',
    async () => {
      await runFuzz('cloud-file-schema', [hostileJson(VALID_CLOUD)], (h) => {
        let json: unknown = h.doc;
        if (h.kind === 'text') {
          try {
            json = JSON.parse(String(h.doc));
          } catch {
            return;
          }
        }
        const r = CustomCloudFileSchema.safeParse(json);
        if (!r.success) return;
        const cloud = cloudFromFile(r.data, 'custom:/x');
        expect(cloud.authorityHost.startsWith('https://')).toBe(true);
        if (cloud.managementEndpoint) expect(cloud.managementEndpoint.startsWith('https://')).toBe(true);
      });
    },
    FUZZ_TIMEOUT_MS,
  );

  it(
    'loadCloudFile on a hostile file: a Cloud or cloud_file_invalid',
    async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'pgentra-fuzz-cloud-'));
      dirs.push(dir);
      chmodSync(dir, 0o700);
      const file = path.join(dir, 'cloud.json');
      writeFileSync(path.join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\n', { mode: 0o600 });
      const codes = new Map<string, number>();
      await runFuzz(
        'cloud-file-load',
        [hostileJson(VALID_CLOUD)],
        (h) => {
          writeFileSync(file, h.kind === 'text' ? String(h.doc) : (JSON.stringify(h.doc) ?? ''), { mode: 0o600 });
          try {
            const cloud = loadCloudFile(file);
            codes.set('ok', (codes.get('ok') ?? 0) + 1);
            expect(cloud.id).toBe(`custom:${file}`);
            expect(cloud.authorityHost.startsWith('https://')).toBe(true);
            expect(cloud.source?.file).toBe(file);
          } catch (e) {
            if (!isPgEntraError(e)) throw e;
            codes.set(e.code, (codes.get(e.code) ?? 0) + 1);
            if (e.code === 'cloud_file_unsafe') {
              // Only a CA path on a network share can make a file in our own 0700 folder unsafe.
              expect(e.message).toMatch(/CA file named by the cloud file/);
              return;
            }
            expect(e.code).toBe('cloud_file_invalid');
          }
        },
        fuzzRuns(LOAD_RUNS),
      );
      console.log(`fuzz: cloud-file-load outcomes: ${JSON.stringify(Object.fromEntries(codes))}`);
    },
    FUZZ_TIMEOUT_MS,
  );
});
