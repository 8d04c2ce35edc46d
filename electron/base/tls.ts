// TLS options for a session, from the profile's sslmode. The Entra token travels as a cleartext
// password inside TLS, so a certificate that does not verify must end the connection before
// PostgreSQL asks for the password (pg sends the startup message — and later the password —
// only through the TLS socket, whose handshake fails first).
import { isIP } from 'node:net';
import { createSecureContext, type ConnectionOptions, type SecureContext } from 'node:tls';
import { PgEntraError } from '../../shared/errors.js';
import { readSmallFile } from './boundedRead.js';
import { trustGeneration, trustedRoots } from './trustedRoots.js';
import type { Profile } from '../../shared/profile.js';

export interface TlsInputs {
  sslmode: Profile['sslmode'];
  host: string;
  /** The profile's confirmation for modes weaker than verify-full. */
  weakerTlsConfirmed: boolean;
  /** PEM of a custom cloud's CA (its file's `caFile`), trusted in addition to the system roots. */
  extraCaPem?: string;
}

export function buildSslOptions(input: TlsInputs): ConnectionOptions {
  const { sslmode, host } = input;
  if (sslmode !== 'verify-full' && !input.weakerTlsConfirmed) {
    throw new PgEntraError('confirmation_required', `sslmode ${sslmode} sends your Entra token without checking that the certificate belongs to ${host}.`, {
      hint: 'Use verify-full, or confirm "Use weaker TLS" in the profile.',
      details: { sslmode },
    });
  }
  const base: ConnectionOptions = {
    secureContext: trustContext(input.extraCaPem),
    // SNI must not carry an IP address (RFC 6066); Node then checks the IP against the SANs.
    ...(isIP(host) === 0 ? { servername: host } : {}),
  };
  switch (sslmode) {
    case 'verify-full':
      return { ...base, rejectUnauthorized: true };
    case 'verify-ca':
      // Chain must verify; the host name is not compared (libpq's verify-ca).
      return { ...base, rejectUnauthorized: true, checkServerIdentity: () => undefined };
    case 'require':
      return { ...base, rejectUnauthorized: false };
  }
}

const contexts = new Map<string, SecureContext>();
let contextsGeneration = trustGeneration();

/**
 * pgEntra's trust list (trustedRoots.ts: Node's bundled roots — DigiCert Global Root G2, DigiCert
 * Global Root CA and Microsoft RSA Root CA 2017, the roots Azure's certificates chain to;
 * intermediates are never pinned — NODE_EXTRA_CA_CERTS and the OS store when trusted) plus a
 * custom cloud's CA. Parsing a few hundred roots costs tens of milliseconds, so the context is
 * built once per CA set and shared by every connection (sessions, Entra, ARM) until the trust
 * settings change.
 */
export function trustContext(extraCaPem?: string): SecureContext {
  if (contextsGeneration !== trustGeneration()) {
    contexts.clear();
    contextsGeneration = trustGeneration();
  }
  const key = extraCaPem ?? '';
  let ctx = contexts.get(key);
  if (!ctx) {
    ctx = createSecureContext({ ca: extraCaPem ? [...trustedRoots(), extraCaPem] : [...trustedRoots()], minVersion: 'TLSv1.2' });
    contexts.set(key, ctx);
  }
  return ctx;
}

/** Reads the CA file named by a custom cloud (already resolved to an absolute path). */
export function readCaFile(file: string): string {
  try {
    return readSmallFile(file).toString('utf8');
  } catch (e) {
    throw new PgEntraError('cloud_file_invalid', `Cannot read the CA file ${file} named by the custom cloud: ${(e as NodeJS.ErrnoException).code ?? String(e)}.`, {
      hint: 'Fix caFile in the custom cloud file (a path relative to that file, or absolute).',
      details: { file },
    });
  }
}
