// pgAdmin export and import as whole operations over profiles and the store, shared by the
// `pgentra export/import pgadmin` commands and the desktop app's interop service.
import { existsSync } from 'node:fs';
import type { Profile } from '../../shared/profile.js';
import { customCloudDomains, type openProfileStore } from '../profiles/profileAccess.js';
import { EXCHANGE_FORMAT, EXCHANGE_VERSION } from '../profiles/exchange.js';
import type { ImportResult } from '../profiles/profileStore.js';
import { locateCli } from './cliLocation.js';
import { buildPgAdminExport, serializePgAdminExport } from './pgadminExport.js';
import { PGADMIN_PASSWORD_EXEC_EXPIRATION_SECONDS } from './passwordExecTiming.js';
import { planPgAdminImport, type PgAdminImportOptions, type PgAdminImportPlan } from './pgadminImport.js';
import { currentCliFacts, sslRootCertFor } from './runtime.js';
import type { TargetOs } from '../../shared/shellQuote.js';

export interface PgAdminExportRequest {
  dataDir: string;
  os: TargetOs;
  env: NodeJS.ProcessEnv;
  /**
   * Seconds pgAdmin reuses a token (default PGADMIN_PASSWORD_EXEC_EXPIRATION_SECONDS, safely below
   * what `pgentra token` guarantees); 0 = pgAdmin runs the password command for every new connection.
   */
  passwordExecExpiration?: number;
  /** --cli: the pgentra launcher's path on the target machine. */
  cliPath?: string;
  /** --sslrootcert: one root certificate file for every server. */
  sslRootCert?: string;
}

/** The servers.json text for these profiles. Never contains a token: only the command that fetches one. */
export async function exportPgAdminJson(profiles: readonly Profile[], req: PgAdminExportRequest): Promise<string> {
  // Throws not_found (shown by the CLI and the desktop export) when no launcher can be named.
  const location = locateCli({ ...currentCliFacts(req.os, req.env, req.cliPath), exists: existsSync });
  // pgAdmin drops an sslrootcert that is not an existing file, so never write "system" here.
  const roots = new Map<string, string>();
  for (const p of profiles) roots.set(p.id, req.sslRootCert ?? (await sslRootCertFor(p, req.dataDir, false)));
  const file = buildPgAdminExport(profiles, {
    os: req.os,
    launcher: location.argv,
    passwordExecExpiration: req.passwordExecExpiration ?? PGADMIN_PASSWORD_EXEC_EXPIRATION_SECONDS,
    sslRootCertFor: (p) => roots.get(p.id) ?? '',
    // The connection pre-flight for every profile: no command for a host or cloud nobody confirmed.
    dataDir: req.dataDir,
  });
  return serializePgAdminExport(file);
}

export type PgAdminImportRequest = Omit<PgAdminImportOptions, 'customDomains'> & {
  onConflict: 'skip' | 'rename' | 'replace';
  /**
   * The desktop app's first pass: when the file has hosts outside the cloud's domains that are not
   * in allowedHosts, import nothing and return them (plan.unconfirmedHosts) for the person to
   * confirm one by one; the second pass names the confirmed ones in allowedHosts.
   */
  confirmHostsFirst?: boolean;
};

const NOTHING_IMPORTED: ImportResult = { created: [], replaced: [], skipped: [], renamed: [], invalid: [] };

/**
 * Plans the import (what maps, what is reported) and applies it through the store's own import:
 * its validation, duplicate detection and single locked write. Confirmations in the plan come
 * only from the caller's explicit choices (--allow-host per host, the app's per-host dialog),
 * hence trusted.
 */
export async function importPgAdminJson(store: ReturnType<typeof openProfileStore>, text: string, req: PgAdminImportRequest): Promise<{ plan: PgAdminImportPlan; result: ImportResult }> {
  const customDomains = typeof req.cloud === 'string' ? undefined : customCloudDomains(req.cloud.customFile);
  const { confirmHostsFirst, onConflict: _onConflict, ...planOptions } = req;
  const plan = planPgAdminImport(text, { ...planOptions, ...(customDomains ? { customDomains } : {}) });
  if (confirmHostsFirst && plan.unconfirmedHosts.length > 0) return { plan, result: { ...NOTHING_IMPORTED } };
  const exchange = { format: EXCHANGE_FORMAT, version: EXCHANGE_VERSION, profiles: plan.profiles.map((p) => p.input) };
  const result = await store.importProfiles(exchange, { onConflict: req.onConflict, trustConfirmations: true });
  return { plan, result };
}
