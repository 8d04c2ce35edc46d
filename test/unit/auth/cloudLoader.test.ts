// Custom cloud files are re-read when they change, so the running app sees edits.
import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveCloud } from '../../../electron/base/cloudLoader.js';

describe('resolveCloud (custom cloud file)', () => {
  it('re-reads the file after an edit and keeps serving the cached value while it is unchanged', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cloud-reload-'));
    const f = path.join(dir, 'cloud.json');
    const write = (postgresDomains: string[], secondsAgo: number): void => {
      writeFileSync(f, JSON.stringify({ authorityHost: 'https://login.sim.example', resource: 'https://ossrdbms-aad.database.windows.net', postgresDomains }));
      const t = new Date(Date.now() - secondsAgo * 1000);
      utimesSync(f, t, t);
    };
    write(['.postgres.sim.example', '.other.example'], 60);
    const first = resolveCloud(f);
    expect(first.postgresDomains).toEqual(['.postgres.sim.example', '.other.example']);
    expect(resolveCloud(f)).toBe(first); // unchanged: no re-read
    write(['.postgres.sim.example'], 30); // shrunk
    expect(resolveCloud(f).postgresDomains).toEqual(['.postgres.sim.example']);
    writeFileSync(f, '{broken');
    expect(() => resolveCloud(f)).toThrow(/not valid JSON/);
  });
});
