import 'reflect-metadata'; // the simulator CA (@peculiar/x509) needs it before anything else
// Test helper: starts the Entra simulator and writes a pgEntra custom cloud file for it, plus a
// throwaway PGENTRA_HOME. Everything is removed by cleanup().
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTlsMaterial, type TlsMaterial } from '../../sim/ca.js';
import { startEntraSim, type EntraSim } from '../../sim/entra/index.js';
import { loadDirectory, POSTGRES_RESOURCE } from '../../sim/types.js';
import { AZURE_CLI_CLIENT_ID } from '../../../shared/clouds.js';

export interface SimCloud {
  sim: EntraSim;
  tls: TlsMaterial;
  dir: string;
  home: string;
  cloudFile: string;
  caFile: string;
  /** A fresh data dir (separate keychain entry) under dir. */
  newHome(name: string): string;
  cleanup(): Promise<void>;
}

export async function startSimCloud(opts: { tokenLifetimeSeconds?: number; autoApprove?: string | null; deviceCodeIntervalSeconds?: number } = {}): Promise<SimCloud> {
  const tls = await createTlsMaterial();
  const sim = await startEntraSim({
    directory: loadDirectory(),
    tls,
    ...(opts.tokenLifetimeSeconds ? { tokenLifetimeSeconds: opts.tokenLifetimeSeconds } : {}),
    ...(opts.autoApprove !== undefined ? { autoApprove: opts.autoApprove } : {}),
    deviceCodeIntervalSeconds: opts.deviceCodeIntervalSeconds ?? 1,
  });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pgentra-auth-'));
  const caFile = path.join(dir, 'ca.pem');
  writeFileSync(caFile, tls.caCertPem);
  const cloudFile = path.join(dir, 'cloud.json');
  writeFileSync(
    cloudFile,
    JSON.stringify({
      authorityHost: sim.authorityHost,
      knownAuthorities: sim.knownAuthorities,
      resource: POSTGRES_RESOURCE,
      caFile,
      postgresDomains: ['localhost'],
      tenantId: sim.tenantId,
      clientId: AZURE_CLI_CLIENT_ID,
    }),
  );
  const homes: string[] = [];
  const newHome = (name: string): string => {
    const h = path.join(dir, `home-${name}`);
    homes.push(h);
    return h;
  };
  const home = newHome('main');
  return {
    sim,
    tls,
    dir,
    home,
    cloudFile,
    caFile,
    newHome,
    async cleanup() {
      await sim.close();
      // Remove the keychain entries this run created (each home has its own entry).
      if (process.env.PGENTRA_KEYRING_READY === '1') {
        const { deleteKeychainCache } = await import('../../../electron/keychain/cachePersistence.js');
        for (const h of homes) await deleteKeychainCache(h).catch(() => undefined);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
