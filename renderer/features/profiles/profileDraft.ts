// The profile editor's draft: the form's fields as typed (strings, checkboxes), where they start
// from (a saved profile, Browse Azure's proposal, or a seed), and the raw profile input they make
// for profiles.validate and profiles.save (validation itself runs in the main process).
import { parseFlexibleServerId } from '../../../shared/azure.js';
import type { CallOutput } from '../../../shared/contract.js';
import type { CredentialKind } from '../../../shared/credential.js';
import type { Profile } from '../../../shared/profile.js';

export type CloudKind = 'public' | 'usgov' | 'china' | 'custom';

export interface Draft {
  name: string;
  folder: string;
  host: string;
  port: string;
  database: string;
  username: string;
  credentialKind: CredentialKind;
  account: string;
  tenant: string;
  miClientId: string;
  cloudKind: CloudKind;
  customFile: string;
  sslmode: 'verify-full' | 'verify-ca' | 'require';
  color: string;
  notes: string;
  confirmNonAzure: boolean;
  confirmWeakTls: boolean;
  /** "Trust this custom cloud file" for this save (recorded outside the profile, never stored in it). */
  confirmCloudTrust: boolean;
  /** The ARM resource id of the server (Browse Azure); kept so pre-flight checks find it without a search. */
  azureResourceId: string;
}

export interface ProfileSeed {
  host?: string;
  port?: number;
  username?: string;
  customCloudFile?: string;
  /** Browse Azure's proposal: every field prefilled, the usernames to choose from. */
  fromAzure?: CallOutput<'azure.proposeProfile'>;
}

/** The fields a draft starts from: a saved profile, or Azure's proposal for a new one. */
type DraftSource = Omit<Profile, 'id' | 'createdAt' | 'updatedAt'>;

export function draftFrom(saved: Profile | null, folder: string, seed: ProfileSeed): Draft {
  const p: DraftSource | null = saved ?? seed.fromAzure?.profile ?? null;
  const c = p?.credential;
  return {
    name: p?.name ?? '',
    folder: p?.folder ?? folder,
    host: p?.host ?? seed.host ?? '',
    port: String(p?.port ?? seed.port ?? 5432),
    database: p?.database ?? 'postgres',
    username: p?.username ?? seed.username ?? '',
    credentialKind: c?.kind ?? 'interactive',
    account: c && (c.kind === 'interactive' || c.kind === 'device-code') ? (c.account ?? '') : '',
    tenant: c && c.kind !== 'managed-identity' ? (c.tenant ?? '') : '',
    miClientId: c?.kind === 'managed-identity' ? (c.clientId ?? '') : '',
    cloudKind: p ? (typeof p.cloud === 'string' ? p.cloud : 'custom') : seed.customCloudFile ? 'custom' : 'public',
    customFile: p && typeof p.cloud !== 'string' ? p.cloud.customFile : (seed.customCloudFile ?? ''),
    sslmode: p?.sslmode ?? 'verify-full',
    color: p?.color ?? '',
    notes: p?.notes ?? '',
    confirmNonAzure: p?.confirmations.nonAzureHost === true,
    confirmWeakTls: p?.confirmations.weakerTls === true,
    confirmCloudTrust: false,
    azureResourceId: p?.azure?.resourceId ?? '',
  };
}

/**
 * The Azure server a draft stays linked to: only while its host still names that server (its first
 * label, as in NAME.postgres.database.azure.com or NAME.privatelink…). A host changed to another
 * server drops the link, so pre-flight checks and "Allow my IP" never act on the old server.
 */
export function linkedServer(host: string, resourceId: string): { name: string; linked: boolean } | undefined {
  const name = resourceId ? parseFlexibleServerId(resourceId)?.name : undefined;
  if (!name) return undefined;
  return { name, linked: host.trim().toLowerCase().split('.')[0] === name.toLowerCase() };
}

/** The draft as raw profile input (what profiles.validate and profiles.save take). */
export function toInput(d: Draft): Record<string, unknown> {
  const port = /^\d+$/.test(d.port.trim()) ? Number(d.port.trim()) : d.port;
  const credential =
    d.credentialKind === 'managed-identity'
      ? { kind: d.credentialKind, ...(d.miClientId.trim() ? { clientId: d.miClientId.trim() } : {}) }
      : d.credentialKind === 'azure-cli'
        ? { kind: d.credentialKind, ...(d.tenant.trim() ? { tenant: d.tenant.trim() } : {}) }
        : { kind: d.credentialKind, ...(d.account ? { account: d.account } : {}), ...(d.tenant.trim() ? { tenant: d.tenant.trim() } : {}) };
  const confirmations = {
    ...(d.confirmNonAzure ? { nonAzureHost: true } : {}),
    ...(d.confirmWeakTls ? { weakerTls: true } : {}),
    ...(d.confirmCloudTrust && d.cloudKind === 'custom' ? { customCloud: true } : {}),
  };
  return {
    name: d.name.trim() || d.host.trim().split('.')[0] || '',
    folder: d.folder.trim(),
    host: d.host,
    port,
    database: d.database,
    username: d.username,
    credential,
    cloud: d.cloudKind === 'custom' ? { customFile: d.customFile.trim() } : d.cloudKind,
    sslmode: d.sslmode,
    ...(d.color ? { color: d.color } : {}),
    ...(d.notes.trim() ? { notes: d.notes } : {}),
    ...(linkedServer(d.host, d.azureResourceId)?.linked ? { azure: { resourceId: d.azureResourceId } } : {}),
    confirmations,
  };
}
