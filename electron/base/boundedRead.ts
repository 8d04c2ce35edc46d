// Reads a small file that a person or an import named (a custom cloud file, its CA file): only a
// regular file, only up to a size no such file reaches. `/dev/zero`, a FIFO or a huge file would
// otherwise hang or exhaust the process that reads it — a hostile cloud file may name any path.
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';

/** Cloud files and CA bundles are a few KiB; an enterprise CA bundle stays far below this. */
export const MAX_SMALL_FILE_BYTES = 4 * 1024 * 1024;

/** Throws a NodeJS.ErrnoException-like error with `code` EINVAL (not a regular file) or EFBIG (too big). */
export function readSmallFile(file: string, maxBytes = MAX_SMALL_FILE_BYTES): Buffer {
  const refuse = (code: string, message: string): never => {
    throw Object.assign(new Error(`${message}: ${file}`), { code });
  };
  // Checked on the path first: opening a FIFO would block until a writer comes.
  if (!statSync(file).isFile()) refuse('EINVAL', 'not a regular file');
  const fd = openSync(file, 'r');
  try {
    const st = fstatSync(fd); // the file actually opened (the path may have changed since)
    if (!st.isFile()) refuse('EINVAL', 'not a regular file');
    if (st.size > maxBytes) refuse('EFBIG', `larger than ${maxBytes} bytes`);
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < buf.length) {
      const n = readSync(fd, buf, off, buf.length - off, off);
      if (n === 0) break;
      off += n;
    }
    return buf.subarray(0, off);
  } finally {
    closeSync(fd);
  }
}
