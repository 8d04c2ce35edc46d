// SCRAM-SHA-256 (RFC 5802 / RFC 7677) as PostgreSQL speaks it, server side, for the proxy's local
// password. The client proves it knows the password without sending it: whoever listens on the
// port (a squatter that took it first, or anyone sniffing loopback) sees a salted, nonce-bound
// proof that cannot be replayed. No channel binding (SCRAM-SHA-256-PLUS): client ↔ proxy has no
// TLS. The password itself is never kept: only StoredKey and ServerKey, derived once per run.
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

export const SCRAM_MECHANISM = 'SCRAM-SHA-256';
/** PostgreSQL's default (scram_iterations). */
export const SCRAM_ITERATIONS = 4096;
const NONCE_BYTES = 18;

export interface ScramVerifier {
  salt: Buffer;
  iterations: number;
  storedKey: Buffer;
  serverKey: Buffer;
}

export class ScramError extends Error {
  override readonly name = 'ScramError';
}

const hmac = (key: Buffer, data: string | Buffer): Buffer => createHmac('sha256', key).update(data).digest();
const sha256 = (data: Buffer): Buffer => createHash('sha256').update(data).digest();

// RFC 3454 tables used by SASLprep (RFC 4013), the parts PostgreSQL's pg_saslprep applies.
const NON_ASCII_SPACE = /[\u00A0\u1680\u2000-\u200B\u202F\u205F\u3000]/g;
// (Code points, not a regex class: several are combining marks.)
const MAPPED_TO_NOTHING = new Set([0xad, 0x34f, 0x1806, 0x180b, 0x180c, 0x180d, 0x200b, 0x200c, 0x200d, 0x2060, 0xfeff, ...Array.from({ length: 16 }, (_, i) => 0xfe00 + i)]);
// eslint-disable-next-line no-control-regex -- prohibited output: control characters are exactly what is looked for
const PROHIBITED = /[\u0000-\u001F\u007F-\u009F\u06DD\u070F\u180E\u200C-\u200F\u2028-\u202E\u2060-\u2063\u206A-\u206F\uFEFF\uFFF9-\uFFFC\uE000-\uF8FF\uFFFD\uD800-\uDFFF]/u;

/**
 * SASLprep as libpq and PostgreSQL apply it to passwords: ASCII passes unchanged; otherwise map
 * and NFKC-normalize, and if the result is not a valid SASLprep string use the raw password (as
 * both sides of PostgreSQL do), so any byte string still works.
 */
export function saslPrep(password: string): string {
  if (/^[\x20-\x7E]*$/.test(password)) return password;
  const mapped = [...password.replace(NON_ASCII_SPACE, ' ')]
    .filter((ch) => !MAPPED_TO_NOTHING.has(ch.codePointAt(0) as number))
    .join('')
    .normalize('NFKC');
  return mapped === '' || PROHIBITED.test(mapped) ? password : mapped;
}

/** Derives the verifier from the password (PBKDF2-HMAC-SHA-256), once per proxy run. */
export function scramVerifier(password: string, salt: Buffer = randomBytes(16), iterations = SCRAM_ITERATIONS): ScramVerifier {
  const salted = pbkdf2Sync(Buffer.from(saslPrep(password), 'utf8'), salt, iterations, 32, 'sha256');
  return { salt, iterations, storedKey: sha256(hmac(salted, 'Client Key')), serverKey: hmac(salted, 'Server Key') };
}

/** Splits `a=1,b=2` attribute lists, keeping values that contain '='. */
function attributes(s: string): Array<[string, string]> {
  return s.split(',').map((part) => {
    if (!/^[A-Za-z]=/.test(part)) throw new ScramError(`malformed SCRAM attribute "${part.slice(0, 20)}"`);
    return [part[0] as string, part.slice(2)];
  });
}

const PRINTABLE_NONCE = /^[\x21-\x2B\x2D-\x7E]+$/;

/**
 * One server-side exchange. `clientFirst()` takes the SASLInitialResponse data and returns
 * server-first-message; `clientFinal()` takes the SASLResponse data and returns the
 * server-final-message, or undefined when the proof is wrong. Malformed input throws ScramError.
 */
export class ScramServerExchange {
  private clientFirstBare: string | undefined;
  private serverFirst: string | undefined;
  private nonce: string | undefined;
  private gs2Header: string | undefined;

  constructor(
    private readonly verifier: ScramVerifier,
    /** The server's part of the nonce; random unless given (RFC test vectors). */
    private readonly serverNonce: string = randomBytes(NONCE_BYTES).toString('base64'),
  ) {}

  clientFirst(data: Buffer): string {
    if (this.serverFirst !== undefined) throw new ScramError('unexpected SCRAM client-first-message');
    const msg = data.toString('utf8');
    // gs2-header: cbind-flag "," [authzid] ","
    const m = /^([nyp])(=[^,]*)?,([^,]*),(.*)$/s.exec(msg);
    if (!m) throw new ScramError('malformed SCRAM client-first-message');
    const [, flag, , authzid, bare] = m as unknown as [string, string, string | undefined, string, string];
    if (flag === 'p') throw new ScramError('channel binding is not supported here (no TLS between client and proxy); the server did not offer SCRAM-SHA-256-PLUS');
    if (authzid !== '') throw new ScramError('client uses authorization identity, but it is not supported');
    const attrs = attributes(bare);
    // n=<user> (ignored, as PostgreSQL does: the startup packet's user counts), r=<nonce>, no mandatory extensions.
    if (attrs[0]?.[0] === 'm') throw new ScramError('unsupported SCRAM extension');
    if (attrs[0]?.[0] !== 'n' || attrs[1]?.[0] !== 'r') throw new ScramError('malformed SCRAM client-first-message');
    const clientNonce = attrs[1][1];
    if (!PRINTABLE_NONCE.test(clientNonce)) throw new ScramError('malformed SCRAM nonce');
    this.gs2Header = msg.slice(0, msg.length - bare.length);
    this.clientFirstBare = bare;
    this.nonce = clientNonce + this.serverNonce;
    this.serverFirst = `r=${this.nonce},s=${this.verifier.salt.toString('base64')},i=${this.verifier.iterations}`;
    return this.serverFirst;
  }

  clientFinal(data: Buffer): string | undefined {
    if (this.serverFirst === undefined || this.clientFirstBare === undefined || this.gs2Header === undefined) throw new ScramError('unexpected SCRAM client-final-message');
    const msg = data.toString('utf8');
    const proofAt = msg.lastIndexOf(',p=');
    if (proofAt < 0) throw new ScramError('malformed SCRAM client-final-message: no proof');
    const withoutProof = msg.slice(0, proofAt);
    const attrs = attributes(withoutProof);
    if (attrs[0]?.[0] !== 'c' || attrs[1]?.[0] !== 'r') throw new ScramError('malformed SCRAM client-final-message');
    if (attrs[0][1] !== Buffer.from(this.gs2Header, 'utf8').toString('base64')) throw new ScramError('SCRAM channel binding check failed');
    if (attrs[1][1] !== this.nonce) throw new ScramError('SCRAM nonce does not match');
    const proof = Buffer.from(msg.slice(proofAt + 3), 'base64');
    if (proof.length !== 32) throw new ScramError('malformed SCRAM proof');
    const authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`;
    const clientSignature = hmac(this.verifier.storedKey, authMessage);
    const clientKey = Buffer.alloc(32);
    for (let i = 0; i < 32; i++) clientKey[i] = (proof[i] as number) ^ (clientSignature[i] as number);
    if (!timingSafeEqual(sha256(clientKey), this.verifier.storedKey)) return undefined;
    return `v=${hmac(this.verifier.serverKey, authMessage).toString('base64')}`;
  }
}

/** Client side (tests and tools): the messages a client sends for `password`. */
export class ScramClientExchange {
  private clientFirstBare: string;
  private saltedPassword: Buffer | undefined;
  private authMessage: string | undefined;

  constructor(
    private readonly password: string,
    readonly clientNonce: string = randomBytes(NONCE_BYTES).toString('base64'),
    user = '',
  ) {
    this.clientFirstBare = `n=${user},r=${clientNonce}`;
  }

  clientFirst(): string {
    return `n,,${this.clientFirstBare}`;
  }

  clientFinal(serverFirst: string): string {
    const attrs = new Map(attributes(serverFirst));
    const nonce = attrs.get('r') ?? '';
    if (!nonce.startsWith(this.clientNonce)) throw new ScramError('server nonce does not extend ours');
    const salt = Buffer.from(attrs.get('s') ?? '', 'base64');
    const iterations = Number(attrs.get('i'));
    this.saltedPassword = pbkdf2Sync(Buffer.from(saslPrep(this.password), 'utf8'), salt, iterations, 32, 'sha256');
    const withoutProof = `c=biws,r=${nonce}`;
    this.authMessage = `${this.clientFirstBare},${serverFirst},${withoutProof}`;
    const clientKey = hmac(this.saltedPassword, 'Client Key');
    const signature = hmac(sha256(clientKey), this.authMessage);
    const proof = Buffer.alloc(32);
    for (let i = 0; i < 32; i++) proof[i] = (clientKey[i] as number) ^ (signature[i] as number);
    return `${withoutProof},p=${proof.toString('base64')}`;
  }

  /** Whether the server proved it knows the verifier too. */
  serverFinalValid(serverFinal: string): boolean {
    if (!this.saltedPassword || !this.authMessage) return false;
    const expected = `v=${hmac(hmac(this.saltedPassword, 'Server Key'), this.authMessage).toString('base64')}`;
    return expected.length === serverFinal.length && timingSafeEqual(Buffer.from(expected), Buffer.from(serverFinal));
  }
}

/** PostgreSQL's SASLInitialResponse body: mechanism\0, int32 length (-1 = none), data. */
export function parseSaslInitialResponse(body: Buffer): { mechanism: string; data: Buffer } {
  const nul = body.indexOf(0);
  if (nul < 0 || body.length < nul + 5) throw new ScramError('malformed SASLInitialResponse');
  const mechanism = body.subarray(0, nul).toString('utf8');
  const len = body.readInt32BE(nul + 1);
  const data = body.subarray(nul + 5);
  if (len === -1 ? data.length !== 0 : len !== data.length) throw new ScramError('malformed SASLInitialResponse length');
  return { mechanism, data };
}
