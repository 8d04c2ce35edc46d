// The person's pgEntra settings (`<data folder>/settings.json`), shared by the desktop app and the
// CLI so both sign in with the same client id and trust the same certificates. Pure data + zod:
// the renderer's settings dialog validates with the same schema.
import { z } from 'zod';
import { BUILTIN_CLOUD_NAMES, type BuiltinCloudName } from './clouds.js';

const guid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be an application (client) id: a GUID such as 9dc2d27b-0177-4af7-a5fe-f8866c83e5ac');

export const SettingsSchema = z.object({
  version: z.literal(1).default(1),
  /**
   * Trust the operating system's certificate store (Windows and macOS stores, the Linux system
   * bundle) in addition to Node's bundled roots: where IT installs the root of a TLS-inspecting
   * proxy. On by default, as browsers do.
   */
  trustOsCertificates: z.boolean().default(true),
  /**
   * The organisation's own app registration per built-in cloud, for tenants that block the Azure
   * CLI's client id. A profile's custom cloud file may name its own.
   */
  clientIds: z.partialRecord(z.enum(BUILTIN_CLOUD_NAMES), guid).default({}),
});
export type Settings = z.infer<typeof SettingsSchema>;

export const DEFAULT_SETTINGS: Settings = SettingsSchema.parse({});

/** Settings as `pgentra settings` names them: `trust-os-certificates`, `client-id.public` … */
export const SETTING_KEYS = ['trust-os-certificates', ...BUILTIN_CLOUD_NAMES.map((c) => `client-id.${c}` as const)] as const;
export type SettingKey = (typeof SETTING_KEYS)[number];

export function isSettingKey(key: string): key is SettingKey {
  return (SETTING_KEYS as readonly string[]).includes(key);
}

/** The value of one key, as text (`on`/`off`, a GUID, or '' when unset). */
export function settingText(settings: Settings, key: SettingKey): string {
  if (key === 'trust-os-certificates') return settings.trustOsCertificates ? 'on' : 'off';
  return settings.clientIds[key.slice('client-id.'.length) as BuiltinCloudName] ?? '';
}

/** A copy of `settings` with `key` set from text (or unset with `undefined`); throws a readable message when the value is invalid. */
export function withSetting(settings: Settings, key: SettingKey, value: string | undefined): Settings {
  if (key === 'trust-os-certificates') {
    if (value === undefined) return { ...settings, trustOsCertificates: DEFAULT_SETTINGS.trustOsCertificates };
    const v = value.trim().toLowerCase();
    if (['on', 'true', 'yes', '1'].includes(v)) return { ...settings, trustOsCertificates: true };
    if (['off', 'false', 'no', '0'].includes(v)) return { ...settings, trustOsCertificates: false };
    throw new Error(`trust-os-certificates is on or off, not "${value}"`);
  }
  const cloud = key.slice('client-id.'.length) as BuiltinCloudName;
  const clientIds = { ...settings.clientIds };
  if (value === undefined || value.trim() === '') delete clientIds[cloud];
  else {
    const parsed = guid.safeParse(value.trim());
    if (!parsed.success) throw new Error(`${key} ${parsed.error.issues[0]?.message ?? 'is invalid'}`);
    clientIds[cloud] = parsed.data.toLowerCase();
  }
  return { ...settings, clientIds };
}
