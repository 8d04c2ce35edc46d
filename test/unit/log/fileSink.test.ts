// The log file sink: size-capped rotation, buffered asynchronous writes that never block the
// caller, and nothing lost at flush/close or in synchronous mode.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, fileSink } from '../../../electron/log/logger.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pgentra-log-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const line = (i: number): string => JSON.stringify({ i, pad: 'x'.repeat(90) }); // ~100 bytes

describe('fileSink', () => {
  it('async by default: the caller returns before the line is on disk; flush writes it, 0600', async () => {
    const sink = fileSink(dir, 'app');
    sink('{"msg":"hello"}');
    expect(existsSync(path.join(dir, 'app.log'))).toBe(false); // nothing written synchronously
    await sink.flush();
    expect(readFileSync(path.join(dir, 'app.log'), 'utf8')).toBe('{"msg":"hello"}\n');
    expect(statSync(path.join(dir, 'app.log')).mode & 0o777).toBe(0o600);
    await sink.close();
  });

  it('keeps order across batches and writes pending lines on close', async () => {
    const sink = fileSink(dir, 'order');
    for (let i = 0; i < 2000; i++) sink(line(i));
    await sink.close();
    const got = readFileSync(path.join(dir, 'order.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { i: number }).i);
    expect(got).toEqual([...Array(2000).keys()]);
  });

  it('flushSync writes what is still buffered (what the process exit hook runs)', () => {
    const sink = fileSink(dir, 'exit');
    sink('{"msg":"last words"}');
    sink.flushSync();
    expect(readFileSync(path.join(dir, 'exit.log'), 'utf8')).toBe('{"msg":"last words"}\n');
    void sink.close();
  });

  it('rotates at maxBytes, keeping maxFiles files in all (name.log, name.log.1, name.log.2)', async () => {
    const sink = fileSink(dir, 'rot', { maxBytes: 1000, maxFiles: 3 });
    for (let i = 0; i < 60; i++) {
      sink(line(i));
      await sink.flush(); // one line per write, so rotation happens line by line
    }
    await sink.close();
    expect(readdirSync(dir).sort()).toEqual(['rot.log', 'rot.log.1', 'rot.log.2']);
    for (const f of readdirSync(dir)) expect(statSync(path.join(dir, f)).size).toBeLessThanOrEqual(1000);
    const ids = (f: string): number[] =>
      readFileSync(path.join(dir, f), 'utf8')
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { i: number }).i);
    // Newest in rot.log, older generations behind it, contiguous; the oldest were dropped.
    const all = [...ids('rot.log.2'), ...ids('rot.log.1'), ...ids('rot.log')];
    expect(all.at(-1)).toBe(59);
    expect(all).toEqual([...Array(all.length).keys()].map((k) => k + (60 - all.length)));
    expect(all.length).toBeLessThan(60);
  });

  it('sync mode (short-lived CLI): each line is on disk when the call returns, and rotates too', () => {
    const sink = fileSink(dir, 'cli', { sync: true, maxBytes: 500, maxFiles: 2 });
    const logger = createLogger({ sinks: [sink], level: 'info' });
    logger.info('started');
    expect(readFileSync(path.join(dir, 'cli.log'), 'utf8')).toMatch(/"msg":"started"/);
    for (let i = 0; i < 20; i++) sink(line(i));
    expect(readdirSync(dir).sort()).toEqual(['cli.log', 'cli.log.1']);
    expect(readFileSync(path.join(dir, 'cli.log'), 'utf8')).toContain('"i":19');
  });

  it('a write error (directory is a file) never reaches the caller', async () => {
    const blocked = path.join(dir, 'blocked');
    const sink = fileSink(path.join(blocked, 'x'), 'a');
    rmSync(blocked, { force: true });
    await import('node:fs').then((fs) => fs.writeFileSync(blocked, 'not a dir'));
    expect(() => sink('{"a":1}')).not.toThrow();
    await expect(sink.close()).resolves.toBeUndefined();
  });
});
