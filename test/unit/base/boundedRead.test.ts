// A cloud file or CA file named by a (possibly hostile) custom cloud file is read only when it is a
// small regular file: /dev/zero, a FIFO or a huge file would otherwise hang or exhaust pgEntra.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSmallFile } from '../../../electron/base/boundedRead.js';
import { readCaFile } from '../../../electron/base/tls.js';

const dir = mkdtempSync(path.join(tmpdir(), 'pgentra-bounded-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readSmallFile', () => {
  it('reads a regular file whole', () => {
    const f = path.join(dir, 'ca.pem');
    writeFileSync(f, 'x'.repeat(70_000));
    expect(readSmallFile(f).length).toBe(70_000);
  });

  it('refuses a device, a FIFO (without blocking) and a file over the limit', () => {
    expect(() => readSmallFile('/dev/zero')).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    const fifo = path.join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    expect(() => readSmallFile(fifo)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    const big = path.join(dir, 'big');
    writeFileSync(big, Buffer.alloc(2048));
    expect(() => readSmallFile(big, 1024)).toThrow(expect.objectContaining({ code: 'EFBIG' }));
  });

  it('a custom cloud naming /dev/zero as its CA gets a typed error, not a hang', () => {
    expect(() => readCaFile('/dev/zero')).toThrow(expect.objectContaining({ code: 'cloud_file_invalid' }));
  });
});
