// `pgentra settings`: the settings file the CLI and the desktop app share (shared/settings.ts):
// whether to trust the OS certificate store, and the organisation's client id per built-in cloud.
// Read on every run by the dispatcher; changed here (or in the app's Settings).
import { existsSync } from 'node:fs';
import { AZURE_CLI_CLIENT_ID } from '../../../shared/clouds.js';
import { PgEntraError } from '../../../shared/errors.js';
import { DEFAULT_SETTINGS, SETTING_KEYS, isSettingKey, settingText, withSetting, type SettingKey, type Settings } from '../../../shared/settings.js';
import { describeTrust, trustSummary } from '../../base/trustedRoots.js';
import { applySettings } from '../../settings/applySettings.js';
import { readSettings, settingsPath, writeSettings } from '../../settings/settingsStore.js';
import { bool, type CommandDefinition } from '../command.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exitCodes.js';

const HELP = `Usage:
  pgentra settings [--json]            each setting, its value and its default; the file
  pgentra settings set KEY VALUE       change one
  pgentra settings unset KEY           back to its default
  pgentra settings reset               every setting back to its default (also repairs a broken file)

Keys:
  trust-os-certificates on|off   trust the operating system's certificate store (Windows and macOS
                                 stores, the Linux system bundle) next to Node's bundled roots and
                                 NODE_EXTRA_CA_CERTS — where IT installs the root of a
                                 TLS-inspecting proxy. Default on.
  client-id.public|usgov|china   your organisation's app registration (a GUID) for sign-ins to that
                                 cloud, for tenants that do not allow the Azure CLI's client id.
                                 Accounts signed in with another client id must sign in again.

The desktop app's Settings dialog changes the same file.`;

interface Row {
  key: SettingKey;
  value: string;
  default: string;
}

function defaultText(key: SettingKey): string {
  return key === 'trust-os-certificates' ? settingText(DEFAULT_SETTINGS, key) : `${AZURE_CLI_CLIENT_ID} (the Azure CLI's)`;
}

function rows(settings: Settings): Row[] {
  return SETTING_KEYS.map((key) => ({ key, value: settingText(settings, key), default: defaultText(key) }));
}

function keyOf(given: string | undefined, sub: string): SettingKey {
  if (given === undefined) throw new PgEntraError('invalid_input', `Give the setting: pgentra settings ${sub} KEY${sub === 'set' ? ' VALUE' : ''}.`, { hint: `Keys: ${SETTING_KEYS.join(', ')}.` });
  const key = given.trim().toLowerCase();
  if (!isSettingKey(key)) throw new PgEntraError('invalid_input', `There is no setting "${given}".`, { hint: `Keys: ${SETTING_KEYS.join(', ')}.` });
  return key;
}

/** The new settings take effect in this process too, and the CA bundle psql/pgAdmin use follows the trust list. */
function applyTrust(ctx: CliContext, settings: Settings): Promise<void> {
  return applySettings(ctx.dataDir, settings);
}

/** What a change means for the person, after `KEY is now VALUE.` */
function consequence(key: SettingKey, settings: Settings): string {
  if (key === 'trust-os-certificates') {
    return settings.trustOsCertificates
      ? `pgEntra trusts the operating system's certificate store too. ${trustSummary()}.`
      : "pgEntra trusts only Node's bundled roots and NODE_EXTRA_CA_CERTS (and a custom cloud's CA file).";
  }
  const cloud = key.slice('client-id.'.length);
  const flag = cloud === 'public' ? '' : ` --cloud ${cloud}`;
  return `Accounts signed in with another client id must sign in again: pgentra login${flag}.`;
}

function list(ctx: CliContext, json: boolean): number {
  const file = settingsPath(ctx.dataDir);
  const settings = readSettings(ctx.dataDir);
  const table = rows(settings);
  if (json) {
    ctx.stdout.write(JSON.stringify({ file, settings: table.map((r) => ({ ...r, value: r.value === '' ? null : r.value })), trust: describeTrust() }, null, 2) + '\n');
    return EXIT.ok;
  }
  const shown = table.map((r) => [r.key, r.value || '(not set)', `default ${r.default}`]);
  const widths = [0, 1].map((i) => Math.max(...shown.map((r) => (r[i] ?? '').length)));
  ctx.stdout.write(`Settings in ${file}${existsSync(file) ? '' : ' (not written yet: every setting has its default)'}:\n`);
  for (const r of shown) ctx.stdout.write(`  ${(r[0] ?? '').padEnd(widths[0] ?? 0)}  ${(r[1] ?? '').padEnd(widths[1] ?? 0)}  ${r[2] ?? ''}\n`);
  ctx.stdout.write(`${trustSummary()}.\n`);
  return EXIT.ok;
}

export const command: CommandDefinition = {
  name: 'settings',
  summary: 'Show or change settings: trusting the OS certificate store, client id per cloud',
  help: HELP,
  allowPositionals: true,
  options: { json: { type: 'boolean' } },
  async run(ctx, { values, positionals }) {
    const [sub, key, value, extra] = positionals;
    const json = bool(values.json);
    switch (sub) {
      case undefined:
      case 'list':
        if (key !== undefined) throw new PgEntraError('invalid_input', `Unexpected argument "${key}".`, { hint: 'See pgentra settings --help.' });
        return list(ctx, json);
      case 'set':
      case 'unset': {
        const k = keyOf(key, sub);
        if (sub === 'set' && value === undefined) throw new PgEntraError('invalid_input', `Give the value: pgentra settings set ${k} VALUE.`, { hint: 'See pgentra settings --help.' });
        const unexpected = sub === 'set' ? extra : value;
        if (unexpected !== undefined) throw new PgEntraError('invalid_input', `Unexpected argument "${unexpected}".`, { hint: 'See pgentra settings --help.' });
        let next: Settings;
        try {
          next = withSetting(readSettings(ctx.dataDir), k, sub === 'set' ? value : undefined);
        } catch (e) {
          if (e instanceof PgEntraError) throw e;
          throw new PgEntraError('invalid_input', `${e instanceof Error ? e.message : String(e)}.`, { hint: 'See pgentra settings --help.' });
        }
        const saved = await writeSettings(ctx.dataDir, next);
        await applyTrust(ctx, saved);
        const now = settingText(saved, k);
        if (json) ctx.stdout.write(JSON.stringify({ key: k, value: now === '' ? null : now, default: defaultText(k) }) + '\n');
        else ctx.stdout.write(`${k} is now ${now || `unset (default ${defaultText(k)})`}. ${consequence(k, saved)}\n`);
        return EXIT.ok;
      }
      case 'reset': {
        if (key !== undefined) throw new PgEntraError('invalid_input', `Unexpected argument "${key}".`, { hint: 'pgentra settings reset takes no arguments; pgentra settings unset KEY resets one.' });
        let hadClientIds = false;
        try {
          hadClientIds = Object.keys(readSettings(ctx.dataDir).clientIds).length > 0;
        } catch {
          // a file nobody can read: reset is how it gets repaired
        }
        const saved = await writeSettings(ctx.dataDir, DEFAULT_SETTINGS);
        await applyTrust(ctx, saved);
        if (json) ctx.stdout.write(JSON.stringify({ file: settingsPath(ctx.dataDir), settings: rows(saved) }) + '\n');
        else {
          const relogin = hadClientIds ? " Accounts signed in with your organisation's client id must sign in again: pgentra login." : '';
          ctx.stdout.write(`Every setting is back to its default (${settingsPath(ctx.dataDir)}).${relogin}\n`);
        }
        return EXIT.ok;
      }
      default:
        throw new PgEntraError('invalid_input', `Unknown settings command "${sub}": use set, unset or reset (or nothing, to list).`, { hint: 'See pgentra settings --help.' });
    }
  },
};
