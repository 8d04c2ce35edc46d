// The pgEntra profile exchange format (export/import between machines or users). Versioned so a
// later pgEntra can still read today's exports; contains no secrets because profiles have none,
// and nothing personal to this machine's user (the remembered PIM reason stays here).
import { z } from 'zod';
import { PgEntraError } from '../../shared/errors.js';
import type { Profile } from '../../shared/profile.js';
import { migrateStoreFile } from './migrations.js';

export const EXCHANGE_FORMAT = 'pgentra-profiles';
export const EXCHANGE_VERSION = 1;

const ExchangeEnvelopeSchema = z.object({
  format: z.literal(EXCHANGE_FORMAT),
  version: z.number().int().positive(),
  exportedAt: z.string().optional(),
  profiles: z.array(z.unknown()),
});

/**
 * A profile as it leaves this machine: without its remembered PIM defaults, whose reason can hold
 * ticket numbers and justifications meant for PIM's audit, not for whoever gets the file. Files
 * that carry them (exported before) still import: the schema keeps accepting `pim`.
 */
function shareable(profile: Profile): Omit<Profile, 'pim'> {
  const { pim: _pim, ...rest } = profile;
  return rest;
}

export function buildExport(profiles: readonly Profile[], now = new Date()): string {
  return `${JSON.stringify({ format: EXCHANGE_FORMAT, version: EXCHANGE_VERSION, exportedAt: now.toISOString(), profiles: profiles.map(shareable) }, null, 2)}\n`;
}

/**
 * Export text (or an already-parsed value) → the raw entries, each still to be validated. Also
 * accepts a copied profiles.json (any schema version) because people will try that.
 */
export function parseExchange(input: string | unknown): unknown[] {
  let json: unknown = input;
  if (typeof input === 'string') {
    try {
      json = JSON.parse(input);
    } catch (e) {
      throw new PgEntraError('invalid_input', `The import file is not valid JSON (${e instanceof Error ? e.message : String(e)}).`);
    }
  }
  const env = ExchangeEnvelopeSchema.safeParse(json);
  if (env.success) {
    if (env.data.version > EXCHANGE_VERSION) {
      throw new PgEntraError('invalid_input', `The import file was exported by a newer pgEntra (format version ${env.data.version}); update pgEntra to import it.`);
    }
    return env.data.profiles;
  }
  const asStore = migrateStoreFile(json);
  if (asStore.ok) return asStore.data.profiles;
  throw new PgEntraError('invalid_input', 'The import file is not a pgEntra profile export (expected { "format": "pgentra-profiles", "version": 1, "profiles": [...] }).');
}
