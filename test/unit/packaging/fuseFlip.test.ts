// Issue #23: the fuses of build/electron-builder.yml, flipped by electron-builder's own fuse step
// (app-builder-lib's PlatformPackager generateFuseConfig and addElectronFuses, which `npm run
// package` runs after packing) in a synthetic Electron executable: the fuse sentinel and a wire
// set to the opposite of the config, inside other bytes. The wire read back with @electron/fuses must be the config, and
// nothing else in the file may change. Seconds, offline; test/packaging does it in a full package.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FuseV1Options, getCurrentFuseWire, type FuseConfig } from '@electron/fuses';
import { afterAll, describe, expect, it } from 'vitest';
import { SENTINEL, fuseWire } from '../../packaging/layout.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const requireHere = createRequire(import.meta.url);

interface FuseStep {
  generateFuseConfig(fuses: Record<string, boolean>): Promise<FuseConfig>;
  addElectronFuses(context: { appOutDir: string; electronPlatformName: string }, fuses: FuseConfig): Promise<number>;
}
const { PlatformPackager } = requireHere('app-builder-lib') as { PlatformPackager: { prototype: FuseStep } };
const { getConfig } = requireHere('app-builder-lib/out/util/config/config.js') as {
  getConfig(projectDir: string, configPath: string, fromOptions: null): Promise<{ electronFuses?: Record<string, boolean> }>;
};

const work = mkdtempSync(path.join(tmpdir(), 'pgentra-fuses-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** What the configured fuses must read back as, by @electron/fuses' names. */
const REQUIRED: Partial<Record<keyof typeof FuseV1Options, '0' | '1'>> = {
  RunAsNode: '0', // ELECTRON_RUN_AS_NODE would make the signed app a general Node runtime
  EnableNodeCliInspectArguments: '0', // --inspect, --inspect-brk, --inspect-port …
  EnableNodeOptionsEnvironmentVariable: '0', // NODE_OPTIONS (--require a script into the app)
  EnableCookieEncryption: '1',
  OnlyLoadAppFromAsar: '1',
  EnableEmbeddedAsarIntegrityValidation: '1', // macOS and Windows; Linux has no such check
};

describe('fuses as `npm run package` flips them', () => {
  it('electron-builder’s fuse step writes exactly the configured wire into the executable', async () => {
    const { electronFuses } = await getConfig(root, path.join(root, 'build/electron-builder.yml'), null);
    expect(electronFuses, 'build/electron-builder.yml has electronFuses').toBeDefined();

    // The Windows layout (appOutDir/<productFilename>.exe) needs no LinuxPackager instance.
    const exe = path.join(work, 'pgEntra.exe');
    const before = Buffer.concat([Buffer.from('MZ synthetic head '.repeat(64)), fuseWire(), Buffer.from(' synthetic tail'.repeat(64))]);
    writeFileSync(exe, before);
    const step = PlatformPackager.prototype;
    const fuseConfig = await step.generateFuseConfig.call(step, electronFuses ?? {});
    const sentinels = await step.addElectronFuses.call(
      Object.assign(Object.create(step) as FuseStep, { appInfo: { productFilename: 'pgEntra' } }),
      { appOutDir: work, electronPlatformName: 'win32' },
      fuseConfig,
    );
    expect(sentinels).toBe(1);

    const wire = (await getCurrentFuseWire(exe)) as unknown as Record<number, number>;
    const read = (name: keyof typeof FuseV1Options): string => String.fromCharCode(wire[FuseV1Options[name]] ?? 0);
    for (const [name, state] of Object.entries(REQUIRED)) expect(read(name as keyof typeof FuseV1Options), name).toBe(state);
    // Every fuse @electron/fuses knows is set by the config: none left as Electron's default.
    const names = Object.keys(FuseV1Options).filter((k) => Number.isNaN(Number(k))) as (keyof typeof FuseV1Options)[];
    for (const name of names) expect(read(name), `${name} was flipped from the stand-in's opposite value`).not.toBe(String.fromCharCode(fuseWire()[SENTINEL.length + 2 + FuseV1Options[name]] ?? 0));

    // Only the wire's bytes changed.
    const after = readFileSync(exe);
    const wireStart = before.indexOf(SENTINEL) + SENTINEL.length + 2;
    expect(after.length).toBe(before.length);
    expect(after.subarray(0, wireStart).equals(before.subarray(0, wireStart))).toBe(true);
    expect(after.subarray(wireStart + names.length).equals(before.subarray(wireStart + names.length))).toBe(true);
  });
});
