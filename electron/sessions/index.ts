// Database sessions: the public surface of electron/sessions.
export { SessionManager, type SessionManagerOptions, type SessionListener, type ConnectProgressListener } from './manager.js';
export { Session, DEFAULT_TUNING, FRESH_TOKEN_SECONDS, type SessionTuning } from './session.js';
export { buildSslOptions } from '../base/tls.js';
export { splitSql, type SqlStatement } from '../../shared/sqlStatements.js';
export { mapConnectError, mapQueryError } from './errors.js';
export type { SessionTarget } from './types.js';
export { LOGIN_REFUSAL_RULES, classifyLoginRefusal, describeRefusal, isTransientCode, type LoginRefusal, type RefusalDisposition } from './loginRefusal.js';
