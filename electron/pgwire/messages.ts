// Builders and parsers for the typed messages an authenticating server or proxy needs.
import { AuthCode, ErrorFieldCode, type ErrorFieldName, type TransactionStatus } from './protocol.js';
import { ProtocolError, cstring, frame, int32, readCString, type TypedMessage } from './framing.js';

export type ErrorSeverity = 'ERROR' | 'FATAL' | 'PANIC' | 'WARNING' | 'NOTICE' | 'DEBUG' | 'INFO' | 'LOG';

/** Fields of an ErrorResponse/NoticeResponse; `severity`, `code`, `message` are always sent. */
export type ErrorFields = { severity: ErrorSeverity | string; code: string; message: string } & Partial<Record<Exclude<ErrorFieldName, 'severity' | 'code' | 'message'>, string>>;

const codeToName = new Map<string, ErrorFieldName>((Object.entries(ErrorFieldCode) as [ErrorFieldName, string][]).map(([name, code]) => [code, name]));

function encodeFields(fields: ErrorFields): Buffer {
  const parts: Buffer[] = [];
  const { severity, ...rest } = fields;
  const withV = { severity, severityNonLocalized: severity, ...rest };
  for (const [name, value] of Object.entries(withV) as [ErrorFieldName, string | undefined][]) {
    if (value === undefined) continue;
    const code = ErrorFieldCode[name];
    if (!code) continue;
    parts.push(Buffer.from(code, 'latin1'), cstring(value));
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

export function errorResponse(fields: ErrorFields): Buffer {
  return frame('E', encodeFields(fields));
}

/**
 * Parses the body of an ErrorResponse or NoticeResponse. Unknown field codes are kept in
 * `unknown` so nothing a newer server sends is lost.
 */
export function parseErrorFields(body: Buffer): ErrorFields & { unknown?: Record<string, string> } {
  const out: Partial<Record<ErrorFieldName, string>> = {};
  const unknown: Record<string, string> = {};
  let off = 0;
  for (;;) {
    if (off >= body.length) throw new ProtocolError('error fields not terminated');
    const c = body[off] as number;
    if (c === 0) break;
    const { value, next } = readCString(body, off + 1);
    const name = codeToName.get(String.fromCharCode(c));
    if (name) out[name] = value;
    else unknown[String.fromCharCode(c)] = value;
    off = next;
  }
  const { severity, code, message } = out;
  if (severity === undefined || code === undefined || message === undefined) {
    throw new ProtocolError('error response lacks severity, code or message');
  }
  const result: ErrorFields & { unknown?: Record<string, string> } = { ...out, severity, code, message };
  if (Object.keys(unknown).length > 0) result.unknown = unknown;
  return result;
}

export function authenticationOk(): Buffer {
  return frame('R', int32(AuthCode.Ok));
}

export function authenticationCleartextPassword(): Buffer {
  return frame('R', int32(AuthCode.CleartextPassword));
}

export function authenticationSASL(mechanisms: readonly string[]): Buffer {
  return frame('R', Buffer.concat([int32(AuthCode.SASL), ...mechanisms.map(cstring), Buffer.from([0])]));
}

export function authenticationSASLContinue(data: Buffer): Buffer {
  return frame('R', Buffer.concat([int32(AuthCode.SASLContinue), data]));
}

export function authenticationSASLFinal(data: Buffer): Buffer {
  return frame('R', Buffer.concat([int32(AuthCode.SASLFinal), data]));
}

/** Parses an 'R' message body into its code and the bytes after it. */
export function parseAuthentication(body: Buffer): { code: number; data: Buffer } {
  if (body.length < 4) throw new ProtocolError('authentication message too short');
  return { code: body.readInt32BE(0), data: body.subarray(4) };
}

export function parameterStatus(name: string, value: string): Buffer {
  return frame('S', Buffer.concat([cstring(name), cstring(value)]));
}

/** `secretKey` is 4 bytes in protocol 3.0, longer in 3.2. */
export function backendKeyData(processId: number, secretKey: Buffer): Buffer {
  return frame('K', Buffer.concat([int32(processId), secretKey]));
}

export function parseBackendKeyData(body: Buffer): { processId: number; secretKey: Buffer } {
  if (body.length < 8) throw new ProtocolError('BackendKeyData too short');
  return { processId: body.readInt32BE(0), secretKey: Buffer.from(body.subarray(4)) };
}

export function readyForQuery(status: TransactionStatus = 'I'): Buffer {
  return frame('Z', Buffer.from(status, 'latin1'));
}

/** A frontend PasswordMessage ('p'), e.g. a cleartext password or access token. */
export function passwordMessage(password: string): Buffer {
  return frame('p', cstring(password));
}

/** The password in a 'p' message sent in reply to AuthenticationCleartextPassword. */
export function parsePasswordMessage(msg: TypedMessage): string {
  if (msg.type !== 'p') throw new ProtocolError(`expected password response, got message type "${msg.type}"`);
  const { value, next } = readCString(msg.body, 0);
  if (next !== msg.body.length) throw new ProtocolError('invalid password packet size');
  return value;
}
