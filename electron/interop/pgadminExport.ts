// pgAdmin 4 server export (File → Import Servers / `setup.py load-servers`). Each profile becomes
// a server whose PasswordExecCommand runs the installed pgEntra CLI, so pgAdmin fetches a fresh
// Entra token itself. Pure: the caller resolves the CLI location and certificate paths. The file
// holds no secret — only a command that prints one.
import type { Profile } from '../../shared/profile.js';
import { preflight } from '../connect/preflight.js';
import { PGADMIN_PASSWORD_EXEC_EXPIRATION_SECONDS } from './passwordExecTiming.js';
import { commandLineFor, type TargetOs } from '../../shared/shellQuote.js';

export const DEFAULT_PGADMIN_GROUP = 'pgEntra';

export interface PgAdminServer {
  Name: string;
  Group: string;
  Host: string;
  Port: number;
  MaintenanceDB: string;
  Username: string;
  ConnectionParameters: { sslmode: string; sslrootcert: string; connect_timeout: number };
  PasswordExecCommand: string;
  PasswordExecExpiration: number;
  Comment?: string;
  BGColor?: string;
}

export interface PgAdminExportFile {
  Servers: Record<string, PgAdminServer>;
}

export interface PgAdminExportOptions {
  /** OS whose shell pgAdmin uses to run the command (cmd.exe on Windows, /bin/sh elsewhere). */
  os: TargetOs;
  /** Absolute argv prefix of the pgentra CLI (see cliLocation.ts). */
  launcher: readonly string[];
  /**
   * Seconds pgAdmin may reuse the password; 0 = run the command for every new connection.
   * Default PGADMIN_PASSWORD_EXEC_EXPIRATION_SECONDS (240): below the 300 s a token from
   * `pgentra token` has left at least, so pgAdmin never logs in with an expired one.
   */
  passwordExecExpiration?: number;
  /** Absolute path of the root certificate file for the profile (custom cloud CA or the system bundle). */
  sslRootCertFor(profile: Profile): string;
  /**
   * pgEntra's data folder: every profile then passes the connection pre-flight first (custom
   * cloud consent, host policy, TLS), so the export never writes a password command for a
   * profile that could not connect. Callers should always pass it.
   */
  dataDir?: string;
}

/** The argv pgAdmin runs for a profile: `<launcher> token <id> [--cloud <file>]`. */
export function passwordCommandArgv(profile: Profile, launcher: readonly string[]): string[] {
  // The stable id, not the name: renaming a profile must not break pgAdmin's saved servers.
  const argv = [...launcher, 'token', profile.id];
  // Custom clouds: pass the file so the command works without PGENTRA_CLOUD_FILE in pgAdmin's environment.
  if (typeof profile.cloud !== 'string') argv.push('--cloud', profile.cloud.customFile);
  return argv;
}

export function pgadminServerFor(profile: Profile, opts: PgAdminExportOptions): PgAdminServer {
  return {
    Name: profile.name,
    Group: profile.folder.trim() || DEFAULT_PGADMIN_GROUP,
    Host: profile.host,
    Port: profile.port,
    MaintenanceDB: profile.database,
    Username: profile.username,
    ConnectionParameters: { sslmode: profile.sslmode, sslrootcert: opts.sslRootCertFor(profile), connect_timeout: profile.connectTimeoutSeconds },
    PasswordExecCommand: commandLineFor(opts.os, passwordCommandArgv(profile, opts.launcher)),
    PasswordExecExpiration: opts.passwordExecExpiration ?? PGADMIN_PASSWORD_EXEC_EXPIRATION_SECONDS,
    ...(profile.notes ? { Comment: profile.notes } : {}),
    ...(profile.color ? { BGColor: profile.color } : {}),
  };
}

export function buildPgAdminExport(profiles: readonly Profile[], opts: PgAdminExportOptions): PgAdminExportFile {
  const expiration = opts.passwordExecExpiration ?? PGADMIN_PASSWORD_EXEC_EXPIRATION_SECONDS;
  if (!Number.isInteger(expiration) || expiration < 0) {
    throw new RangeError('passwordExecExpiration must be a whole number of seconds ≥ 0');
  }
  // The same checks as a connection, before anything is written (a throw names the profile).
  if (opts.dataDir !== undefined) for (const p of profiles) preflight(p, { dataDir: opts.dataDir });
  const Servers: Record<string, PgAdminServer> = {};
  profiles.forEach((p, i) => {
    Servers[String(i + 1)] = pgadminServerFor(p, opts);
  });
  return { Servers };
}

export function serializePgAdminExport(file: PgAdminExportFile): string {
  return `${JSON.stringify(file, null, 4)}\n`;
}
