// The one connection pre-flight. Everything that is about to send an Entra token to a PostgreSQL
// server — desktop sessions, `pgentra query/token/env/psql`, the local proxy's upstream, the
// pgAdmin and pg_service exports — calls `preflight` first, so no security rule can differ
// between them. In order, before any token exists:
//   1. resolve the cloud (custom cloud files: local, only writable by you, valid — cloudLoader);
//   2. custom clouds: the owner's consent for this exact file and CA (cloudTrust);
//   3. host policy: the host is inside the cloud's PostgreSQL domains, or the profile confirms it;
//   4. TLS: verify-full unless the profile confirms a weaker mode; the custom cloud's CA added;
//   5. the token audience: the cloud's resource (the token is requested for `<resource>/.default`).
import type { ConnectionOptions } from 'node:tls';
import { scopeFor, type Cloud } from '../../shared/clouds.js';
import { checkProfilePolicy, cloudRef, profileErrorsToError, type Profile } from '../../shared/profile.js';
import { PgEntraError } from '../../shared/errors.js';
import { resolveCloud, sha256Hex } from '../base/cloudLoader.js';
import { buildSslOptions, readCaFile } from '../base/tls.js';
import { assertCloudTrusted, trustCommandFor } from './cloudTrust.js';

/** What a connection names: a saved profile, or a session target built from one. */
export type PreflightTarget = Pick<Profile, 'host' | 'sslmode' | 'cloud' | 'confirmations'> & { name?: string; port?: number };

export interface PreflightOptions {
  /** pgEntra's data folder: where the custom-cloud consents live (trusted-clouds.json). */
  dataDir: string;
}

export interface PreflightResult {
  /** The resolved cloud (custom: with its file's hashes and cache partition). */
  cloud: Cloud;
  /** The value for TokenRequest.cloud (`public` | `usgov` | `china` | the custom cloud file). */
  cloudRef: string;
  /** The token audience: the cloud's PostgreSQL resource. */
  audience: string;
  /** The scope the token is requested for (`<audience>/.default`). */
  scope: string;
  /** Node TLS options for the server connection (pg's `ssl`, tls.connect): verify-full unless confirmed weaker. Built on first read. */
  readonly ssl: ConnectionOptions;
  /** The custom cloud's CA file (absolute), for clients that need a path (libpq sslrootcert, pgAdmin). */
  caFile?: string;
}

/**
 * Checks that a token for `target` may be sent, and returns what the connection needs. Throws a
 * PgEntraError saying what to do: `confirmation_required` (unconfirmed custom cloud file — hint:
 * `pgentra clouds trust FILE`; host outside the cloud's domains; TLS weaker than verify-full),
 * `cloud_file_unsafe` (network share, writable by another user), `cloud_file_invalid`.
 * Synchronous and cheap (a few small file reads): call it for every connection, not once.
 */
export function preflight(target: PreflightTarget, opts: PreflightOptions): PreflightResult {
  const what = target.name ? `The profile "${target.name}"` : `The connection to ${target.host}`;
  const ref = cloudRef(target.cloud);
  let cloud: Cloud;
  if (typeof target.cloud === 'string') {
    cloud = resolveCloud(ref);
  } else {
    // Consent first: an unconfirmed file's domains and CA mean nothing.
    cloud = assertCloudTrusted(opts.dataDir, target.cloud.customFile, what).cloud;
  }
  const errors = checkProfilePolicy(target, typeof target.cloud === 'string' ? undefined : cloud.postgresDomains);
  if (errors.length > 0) throw profileErrorsToError(errors, what);
  const caPem = cloud.caFile ? readCaFile(cloud.caFile) : undefined;
  // The CA bytes used are the ones consented to (not a file swapped in since it was hashed).
  if (caPem !== undefined && cloud.source && sha256Hex(caPem) !== cloud.source.caSha256) {
    throw new PgEntraError('confirmation_required', `${what}: the CA file ${cloud.caFile} changed while connecting.`, {
      hint: `Check it, then confirm the cloud file again: ${trustCommandFor(cloud.source.file)}`,
      details: { file: cloud.source.file },
    });
  }
  // Built on first use: the trust context (~140 roots) costs tens of ms, and `pgentra token`
  // (pgAdmin's password command) needs only the checks above, not the TLS options.
  let ssl: ConnectionOptions | undefined;
  const sslInputs = {
    sslmode: target.sslmode,
    host: target.host,
    weakerTlsConfirmed: target.confirmations.weakerTls === true,
    ...(caPem ? { extraCaPem: caPem } : {}),
  };
  return {
    cloud,
    cloudRef: ref,
    audience: cloud.resource,
    scope: scopeFor(cloud),
    get ssl(): ConnectionOptions {
      return (ssl ??= buildSslOptions(sslInputs));
    },
    ...(cloud.caFile ? { caFile: cloud.caFile } : {}),
  };
}
