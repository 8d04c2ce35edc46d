// A small structured logger. Every line goes through redact(), so a token that reaches a log
// call by mistake (in a message, a field, an error or its stack) never reaches disk or stderr.
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { redact, redactError } from './redact.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(scope: string): Logger;
}

export type LogSink = (line: string) => void;

export interface LoggerOptions {
  level?: LogLevel;
  /** Where lines go; default nowhere. */
  sinks?: LogSink[];
  scope?: string;
}

function serialize(value: unknown): unknown {
  if (value instanceof Error) return redactError(value);
  return value;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? 'info';
  const sinks = opts.sinks ?? [];
  const scope = opts.scope;
  const write = (lvl: LogLevel, msg: string, fields?: LogFields): void => {
    if (ORDER[lvl] < ORDER[level] || sinks.length === 0) return;
    const record: Record<string, unknown> = { t: new Date().toISOString(), level: lvl, ...(scope ? { scope } : {}), msg };
    if (fields) for (const [k, v] of Object.entries(fields)) record[k] = serialize(v);
    let line: string;
    try {
      line = JSON.stringify(record);
    } catch {
      line = JSON.stringify({ t: record.t, level: lvl, msg, note: 'fields not serializable' });
    }
    const safe = redact(line);
    for (const sink of sinks) {
      try {
        sink(safe);
      } catch {
        // logging must never break the caller
      }
    }
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    child: (s) => createLogger({ level, sinks, scope: scope ? `${scope}.${s}` : s }),
  };
}

/** Appends JSON lines to `<dir>/<name>.log` (created on first write). */
export function fileSink(dir: string, name = 'pgentra'): LogSink {
  let ready = false;
  const file = path.join(dir, `${name}.log`);
  return (line) => {
    if (!ready) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      ready = true;
    }
    appendFileSync(file, line + '\n', { mode: 0o600 });
  };
}

export function streamSink(stream: { write(s: string): unknown }): LogSink {
  return (line) => void stream.write(line + '\n');
}

export const silentLogger: Logger = createLogger({ sinks: [] });
