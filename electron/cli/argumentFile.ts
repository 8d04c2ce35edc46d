// An option's value read from a file, or from standard input with `-`, instead of the command line
// (which other local users see in `ps`): `pgentra pim activate --reason-file PATH`. Small values
// only — a file larger than the limit is refused rather than read whole.
import { open } from 'node:fs/promises';
import path from 'node:path';
import { PgEntraError, isPgEntraError } from '../../shared/errors.js';

/** What the value is read from: the working folder for a relative path, standard input for `-`. */
export interface ArgumentFileIo {
  cwd: string;
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Where to say "type it, then Ctrl+D" when standard input is a terminal. */
  prompt?: { write(chunk: string): unknown };
  signal?: AbortSignal;
}

/**
 * The text of `spec` (a path, or `-` for standard input) as UTF-8, at most `maxBytes` bytes.
 * `option` names the option in messages (`--reason-file`).
 */
export async function readArgumentFile(option: string, spec: string, maxBytes: number, io: ArgumentFileIo): Promise<string> {
  const source = spec === '-' ? 'standard input' : path.resolve(io.cwd, spec);
  let bytes: Buffer;
  try {
    bytes = spec === '-' ? await readStdin(option, maxBytes + 1, io) : await readHead(source, maxBytes + 1);
  } catch (e) {
    if (isPgEntraError(e)) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EISDIR' ? 'it is a folder' : (code ?? 'unreadable');
    throw new PgEntraError('invalid_input', `${option}: cannot read ${source} (${why}).`, { hint: `Give a readable text file, or - to read standard input.` });
  }
  if (bytes.length > maxBytes) {
    throw new PgEntraError('invalid_input', `${option}: ${source} holds more than ${maxBytes} bytes.`, { hint: 'Give a file holding the value alone.' });
  }
  return bytes.toString('utf8');
}

/** The first `limit` bytes of a file (a pipe such as <(…) too: reads until its end or the limit). */
async function readHead(file: string, limit: number): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(limit);
    let size = 0;
    while (size < limit) {
      const { bytesRead } = await fh.read(buf, size, limit - size, null);
      if (bytesRead === 0) break;
      size += bytesRead;
    }
    return buf.subarray(0, size);
  } finally {
    await fh.close();
  }
}

/** Standard input until its end or `limit` bytes, whichever comes first; Ctrl+C stops waiting. */
function readStdin(option: string, limit: number, io: ArgumentFileIo): Promise<Buffer> {
  const stdin = io.stdin;
  if (!stdin) return Promise.reject(new PgEntraError('invalid_input', `${option} -: there is no standard input to read.`, { hint: 'Give a file instead.' }));
  if (stdin.isTTY) io.prompt?.write(`${option}: type it, then press Ctrl+D (Ctrl+Z and Enter on Windows).\n`);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (error?: unknown): void => {
      stdin.removeListener('data', onData);
      stdin.removeListener('end', onEnd);
      stdin.removeListener('error', finish);
      io.signal?.removeEventListener('abort', onAbort);
      // Paused and without listeners: the process may exit although the terminal stays open.
      stdin.pause();
      if (error === undefined) resolve(Buffer.concat(chunks));
      else reject(error instanceof Error ? error : new Error(String(error)));
    };
    const onData = (chunk: Buffer | string): void => {
      const b = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      chunks.push(b);
      size += b.length;
      if (size >= limit) finish();
    };
    const onEnd = (): void => finish();
    const onAbort = (): void => finish(new PgEntraError('sign_in_cancelled', 'Cancelled.'));
    if (io.signal?.aborted) return onAbort();
    stdin.on('data', onData);
    stdin.once('end', onEnd);
    stdin.once('error', finish);
    io.signal?.addEventListener('abort', onAbort, { once: true });
    stdin.resume();
  });
}
