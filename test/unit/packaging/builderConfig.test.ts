// build/electron-builder.yml, read and schema-checked by electron-builder's own loader (offline:
// no Electron download), and the deb scripts' macros as electron-builder fills them in.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

interface ExtraResource {
  from: string;
  to: string;
}
interface BuilderConfig {
  asar?: boolean;
  mac?: { extraResources?: ExtraResource[] };
  win?: { extraResources?: ExtraResource[] };
  linux?: { executableName?: string; extraResources?: ExtraResource[] };
  deb?: { afterInstall?: string; afterRemove?: string };
  electronFuses?: Record<string, boolean>;
}
interface ConfigModule {
  getConfig(projectDir: string, configPath: string, fromOptions: null): Promise<BuilderConfig>;
  validateConfiguration(config: BuilderConfig, debug: { isEnabled: boolean; add(): void }): Promise<void>;
}

const requireHere = createRequire(import.meta.url);
const builder = requireHere('app-builder-lib/out/util/config/config.js') as ConfigModule;
const debug = { isEnabled: false, add: () => undefined };

async function load(): Promise<BuilderConfig> {
  return builder.getConfig(root, path.join(root, 'build/electron-builder.yml'), null);
}

describe('electron-builder configuration', () => {
  it('loads and passes electron-builder’s schema (which does reject unknown options)', async () => {
    const config = await load();
    await expect(builder.validateConfiguration(config, debug)).resolves.toBeUndefined();
    await expect(builder.validateConfiguration({ ...config, linux: { ...config.linux, notAnOption: true } as BuilderConfig['linux'] }, debug)).rejects.toThrow(/configuration\.linux/);
  });

  it('keeps the fuses: no RunAsNode, no inspect switches, app only from an integrity-checked asar', async () => {
    const fuses = (await load()).electronFuses ?? {};
    expect(fuses.runAsNode).toBe(false);
    expect(fuses.enableNodeCliInspectArguments).toBe(false);
    expect(fuses.enableNodeOptionsEnvironmentVariable).toBe(false);
    expect(fuses.onlyLoadAppFromAsar).toBe(true);
    expect(fuses.enableEmbeddedAsarIntegrityValidation).toBe(true);
  });

  it('ships each OS its launcher in resources/bin, and the Linux GUI binary is not called pgentra', async () => {
    const config = await load();
    expect(config.mac?.extraResources).toEqual([{ from: 'build/launchers/pgentra', to: 'bin/pgentra' }]);
    expect(config.linux?.extraResources).toEqual([{ from: 'build/launchers/pgentra', to: 'bin/pgentra' }]);
    expect(config.win?.extraResources).toEqual([{ from: 'build/launchers/pgentra.cmd', to: 'bin/pgentra.cmd' }]);
    for (const r of [config.mac, config.linux, config.win].flatMap((p) => p?.extraResources ?? [])) expect(existsSync(path.join(root, r.from))).toBe(true);
    expect(config.linux?.executableName).toBe('pgentra-app');
    // The launcher looks for exactly this name next to resources/ (build/launchers/pgentra).
    expect(readFileSync(path.join(root, 'build/launchers/pgentra'), 'utf8')).toContain(`"$root/${config.linux?.executableName}"`);
  });

  it('deb scripts: only macros electron-builder defines, and /usr/bin/pgentra points at the launcher', async () => {
    const deb = (await load()).deb ?? {};
    const known = new Set(['executable', 'sanitizedProductName', 'productFilename']);
    const fill = (file: string): string =>
      // The same substitution as app-builder-lib's FpmTarget writeConfigFile, with a deb's values.
      readFileSync(path.join(root, file), 'utf8').replace(/\${([a-zA-Z]+)}/g, (_m, name: string) => {
        if (!known.has(name)) throw new Error(`Macro ${name} is not defined in ${file}`);
        return name === 'executable' ? 'pgentra-app' : 'pgEntra';
      });
    const install = fill(deb.afterInstall ?? '');
    const remove = fill(deb.afterRemove ?? '');
    expect(install).toContain("ln -sf '/opt/pgEntra/resources/bin/pgentra' '/usr/bin/pgentra'");
    // electron-builder's own steps are still there (GUI link, sandbox helper, AppArmor).
    expect(install).toContain("update-alternatives --install '/usr/bin/pgentra-app' 'pgentra-app' '/opt/pgEntra/pgentra-app'");
    expect(install).toContain('chrome-sandbox');
    expect(install).toContain('apparmor_parser');
    expect(remove).toContain("= '/opt/pgEntra/resources/bin/pgentra' ]; then\n    rm -f /usr/bin/pgentra");
    expect(remove).toContain("update-alternatives --remove 'pgentra-app' '/opt/pgEntra/pgentra-app'");
  });
});
