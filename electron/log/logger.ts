// A small structured logger. Every line goes through redact(), so a token that reaches a log
// call by mistake (in a message, a field, an error or its stack) never reaches disk or stderr.
import { appendFileSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { appendFile, mkdir, rename, rm, stat } from 'node:fs/promises';
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

export interface FileSinkOptions {
  /**
   * Write each line before returning (appendFileSync). For a caller that must not lose a line
   * even on a hard exit; costs the event loop a disk write per line. Default: buffered async.
   */
  sync?: boolean;
  /** Rotate when the file would grow past this (default 10 MB). */
  maxBytes?: number;
  /** Files kept in all: `<name>.log` plus `<name>.log.1` … (default 3). */
  maxFiles?: number;
}

/** A file sink; `flush()` resolves once everything logged so far is on disk. */
export interface FileLogSink extends LogSink {
  readonly file: string;
  flush(): Promise<void>;
  /** Writes whatever is still buffered, synchronously (process exit). */
  flushSync(): void;
  /** Flushes and stops listening for process exit; later lines are still written. */
  close(): Promise<void>;
}

const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;
const DEFAULT_MAX_FILES = 3;
// A batch is written once it reaches this size, else on the next turn of the event loop.
const BATCH_BYTES = 64 * 1024;

// One 'exit' listener for every open sink (not one per sink): flushes lines logged just before
// process.exit, so a short-lived CLI loses nothing that was not already being written.
const openSinks = new Set<FileLogSink>();
let exitHooked = false;
function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.on('exit', () => {
    for (const s of openSinks) s.flushSync();
  });
}

/**
 * Appends JSON lines to `<dir>/<name>.log` (created on first write, 0600), rotating at
 * `maxBytes` to `<name>.log.1` … `<name>.log.<maxFiles-1>`. By default lines are buffered and
 * written asynchronously in batches, so a busy proxy never blocks on the disk; pending lines are
 * written synchronously at process exit. Processes sharing a file (several CLI runs) each track
 * the size and re-check it on disk before rotating, so one rotation at a time is the usual case;
 * a race can at worst rotate twice (no line is lost, an old file may be).
 */
export function fileSink(dir: string, name = 'pgentra', opts: FileSinkOptions = {}): FileLogSink {
  const file = path.join(dir, `${name}.log`);
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxFiles = Math.max(1, opts.maxFiles ?? DEFAULT_MAX_FILES);
  let size: number | undefined; // bytes in `file` as far as this process knows
  let pending: string[] = [];
  let pendingBytes = 0;
  let writing: Promise<void> = Promise.resolve();
  let scheduled = false;

  const rotatedName = (i: number): string => `${file}.${i}`;
  const sizeOnDiskSync = (): number => {
    try {
      return statSync(file).size;
    } catch {
      return 0;
    }
  };
  const rotateSync = (): void => {
    rmSync(rotatedName(maxFiles - 1), { force: true });
    for (let i = maxFiles - 2; i >= 1; i--) {
      try {
        renameSync(rotatedName(i), rotatedName(i + 1));
      } catch {
        // a missing generation is normal
      }
    }
    if (maxFiles > 1) renameSync(file, rotatedName(1));
    else rmSync(file, { force: true });
  };
  const rotate = async (): Promise<void> => {
    await rm(rotatedName(maxFiles - 1), { force: true });
    for (let i = maxFiles - 2; i >= 1; i--) await rename(rotatedName(i), rotatedName(i + 1)).catch(() => undefined);
    if (maxFiles > 1) await rename(file, rotatedName(1));
    else await rm(file, { force: true });
  };

  const writeSync = (text: string): void => {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const bytes = Buffer.byteLength(text);
    size ??= sizeOnDiskSync();
    if (size > 0 && size + bytes > maxBytes) {
      size = sizeOnDiskSync(); // another process may have rotated already
      if (size > 0 && size + bytes > maxBytes) {
        rotateSync();
        size = 0;
      }
    }
    appendFileSync(file, text, { mode: 0o600 });
    size += bytes;
  };
  const writeAsync = async (text: string): Promise<void> => {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const bytes = Buffer.byteLength(text);
    const onDisk = async (): Promise<number> =>
      stat(file).then(
        (st) => st.size,
        () => 0,
      );
    size ??= await onDisk();
    if (size > 0 && size + bytes > maxBytes) {
      size = await onDisk();
      if (size > 0 && size + bytes > maxBytes) {
        await rotate();
        size = 0;
      }
    }
    await appendFile(file, text, { mode: 0o600 });
    size += bytes;
  };

  const take = (): string => {
    const text = pending.join('');
    pending = [];
    pendingBytes = 0;
    return text;
  };
  const startWrite = (): void => {
    scheduled = false;
    if (pending.length === 0) return;
    const text = take();
    writing = writing.then(() => writeAsync(text)).catch(() => undefined); // logging must never break the caller
  };

  const sink = ((line: string) => {
    const text = line + '\n';
    if (opts.sync) {
      writeSync(text);
      return;
    }
    pending.push(text);
    pendingBytes += text.length;
    if (pendingBytes >= BATCH_BYTES) startWrite();
    else if (!scheduled) {
      scheduled = true;
      setImmediate(startWrite);
    }
  }) as FileLogSink;
  Object.defineProperty(sink, 'file', { value: file });
  sink.flush = async () => {
    startWrite();
    await writing;
  };
  sink.flushSync = () => {
    if (pending.length === 0) return;
    try {
      writeSync(take());
    } catch {
      // nothing left to report to at exit
    }
  };
  sink.close = async () => {
    await sink.flush();
    openSinks.delete(sink);
  };
  if (!opts.sync) {
    openSinks.add(sink);
    hookExit();
  }
  return sink;
}

export function streamSink(stream: { write(s: string): unknown }): LogSink {
  return (line) => void stream.write(line + '\n');
}

export const silentLogger: Logger = createLogger({ sinks: [] });
