// Constants of the PostgreSQL frontend/backend protocol (version 3.x).
// https://www.postgresql.org/docs/current/protocol-message-formats.html

/** Request codes carried in place of a protocol version by the untyped first message. */
export const SSL_REQUEST_CODE = 80877103; // 1234 << 16 | 5679
export const GSSENC_REQUEST_CODE = 80877104; // 1234 << 16 | 5680
export const CANCEL_REQUEST_CODE = 80877102; // 1234 << 16 | 5678

export const PROTOCOL_3_0 = 196608; // 3 << 16

/**
 * PostgreSQL refuses startup packets longer than this (MAX_STARTUP_PACKET_LENGTH);
 * the same bound protects us before a client has authenticated.
 */
export const MAX_STARTUP_PACKET_LENGTH = 10_000;
/** Largest password/auth message the server accepts before authentication (PG_MAX_AUTH_TOKEN_LENGTH). */
export const MAX_AUTH_MESSAGE_LENGTH = 65_535;

/** Authentication request codes ('R' messages). */
export const AuthCode = {
  Ok: 0,
  KerberosV5: 2,
  CleartextPassword: 3,
  MD5Password: 5,
  GSS: 7,
  GSSContinue: 8,
  SSPI: 9,
  SASL: 10,
  SASLContinue: 11,
  SASLFinal: 12,
} as const;
export type AuthCode = (typeof AuthCode)[keyof typeof AuthCode];

/** One-letter codes of ErrorResponse/NoticeResponse fields. */
export const ErrorFieldCode = {
  severity: 'S',
  severityNonLocalized: 'V',
  code: 'C',
  message: 'M',
  detail: 'D',
  hint: 'H',
  position: 'P',
  internalPosition: 'p',
  internalQuery: 'q',
  where: 'W',
  schema: 's',
  table: 't',
  column: 'c',
  dataType: 'd',
  constraint: 'n',
  file: 'F',
  line: 'L',
  routine: 'R',
} as const;
export type ErrorFieldName = keyof typeof ErrorFieldCode;

export type TransactionStatus = 'I' | 'T' | 'E';
