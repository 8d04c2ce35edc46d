// A profile never holds a secret: tokens are fetched from Entra at connect time. Any key that
// looks like it holds one is refused with its own message, wherever it is in the input.
import type { ProfileFieldError } from './fieldErrors.js';

// A key that looks like it holds a secret. Checked anywhere in the input, before anything else,
// so the message says "never stored" rather than "unknown setting".
const SECRET_KEY = /pass(word|wd|phrase)?$|^pass|pwd|token|secret|api[-_]?key|private[-_]?key|connection[-_]?string|^pgpass/i;

export function findSecretKeys(value: unknown, path = '', depth = 0, seen = new Set<object>()): string[] {
  if (depth > 6 || value === null || typeof value !== 'object' || seen.has(value)) return [];
  seen.add(value);
  const found: string[] = [];
  const entries: [string, unknown][] = Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value);
  for (const [k, v] of entries) {
    const p = path ? `${path}.${k}` : k;
    if (!Array.isArray(value) && SECRET_KEY.test(k)) found.push(p);
    found.push(...findSecretKeys(v, p, depth + 1, seen));
  }
  return found;
}

export function secretErrors(input: unknown): ProfileFieldError[] {
  return findSecretKeys(input).map((p) => ({
    path: p,
    message: `${p}: pgEntra never stores passwords, tokens or secrets — tokens are fetched from Entra when you connect. Remove "${p}".`,
    code: 'invalid_input' as const,
  }));
}
