// Validation errors as the UI, the CLI and IPC show them: one error per field, its message
// prefixed with the field's label so it always names its field, and a code that says whether
// ticking a confirmation would fix it.
import type { z } from 'zod';

export type ProfileErrorCode = 'invalid_input' | 'confirmation_required';
export interface ProfileFieldError {
  /** Dotted field path, e.g. `host`, `credential.clientId`; `''` for the profile as a whole. */
  path: string;
  /** Names the field and says what to do, e.g. `Port: must be a whole number from 1 to 65535`. */
  message: string;
  /** `confirmation_required` when ticking a confirmation would make it valid. */
  code: ProfileErrorCode;
}

/** Human labels used to prefix every field error so a message always names its field. */
export const PROFILE_FIELD_LABELS: Readonly<Record<string, string>> = {
  id: 'Id',
  name: 'Name',
  folder: 'Folder',
  host: 'Host',
  port: 'Port',
  database: 'Database',
  username: 'Username',
  credential: 'Credential',
  cloud: 'Cloud',
  sslmode: 'SSL mode',
  applicationName: 'Application name',
  connectTimeoutSeconds: 'Connect timeout',
  color: 'Color',
  notes: 'Notes',
  confirmations: 'Confirmations',
  azure: 'Azure server',
  pim: 'PIM activation',
  createdAt: 'Created at',
  updatedAt: 'Updated at',
};

function labelFor(path: string): string {
  if (path === '') return 'Profile';
  const top = path.split('.')[0] ?? path;
  const base = PROFILE_FIELD_LABELS[top] ?? top;
  return path === top ? base : `${base} (${path.slice(top.length + 1)})`;
}

export function fieldError(path: string, message: string, code: ProfileErrorCode = 'invalid_input'): ProfileFieldError {
  return { path, message: `${labelFor(path)}: ${message}`, code };
}

export function issuesToErrors(issues: readonly z.core.$ZodIssue[]): ProfileFieldError[] {
  const out: ProfileFieldError[] = [];
  for (const iss of issues) {
    const path = iss.path.map(String).join('.');
    if (iss.code === 'unrecognized_keys') {
      // One error per key so the UI can point at each; the top-level message already lists them.
      for (const key of iss.keys) out.push(fieldError(path ? `${path}.${key}` : key, path ? `is not a known setting of ${labelFor(path)}` : 'is not a known profile setting'));
      continue;
    }
    out.push(fieldError(path, iss.message));
  }
  return out;
}
