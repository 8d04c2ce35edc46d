// A small PostgreSQL wire-protocol codec: framing, the untyped startup-phase packets and the
// messages an authenticating server or proxy exchanges. No I/O here.
export * from './protocol.js';
export * from './framing.js';
export * from './startup.js';
export * from './messages.js';
