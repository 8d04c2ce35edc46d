// profiles.*: thin calls into the profile store, plus the rule that only the main process decides
// whether a token may go to a non-Azure host or over weaker TLS. The `confirmations` a renderer
// sends are ignored: a save that needs one shows the main process's own dialog (host, port, mode),
// and a confirmation is kept only while the host, port, cloud (and sslmode) it was given for stay.
import { PgEntraError } from '../../../shared/errors.js';
import { cloudRef, isHostInDomains, postgresDomainsFor, type Profile, type ProfileConfirmations } from '../../../shared/profile.js';
import type { Handlers } from '../router.js';
import type { ProfileInputParsed, Services, TokenTargetDecision } from '../services.js';

type ProfileHandlers = Pick<Handlers, 'profiles.list' | 'profiles.save' | 'profiles.delete' | 'profiles.restore' | 'profiles.duplicate' | 'profiles.move' | 'profiles.validate'>;

type Target = Pick<Profile, 'host' | 'port' | 'cloud' | 'sslmode'>;

/** The values a non-Azure-host confirmation is bound to. */
function hostKey(p: Target): string {
  return JSON.stringify([p.host.trim().toLowerCase(), p.port, cloudRef(p.cloud)]);
}

/** The values a weaker-TLS confirmation is bound to. */
function tlsKey(p: Target): string {
  return JSON.stringify([hostKey(p), p.sslmode]);
}

/**
 * The confirmations `next` needs, each either carried over from `confirmedFor` (a profile whose
 * confirmation was given for exactly these values) or asked for now with `ask` (null: not asked,
 * e.g. a restore — the confirmation is then dropped).
 */
async function decide(
  next: Target & { name: string },
  confirmedFor: Pick<Profile, 'host' | 'port' | 'cloud' | 'sslmode' | 'confirmations'> | undefined,
  domains: readonly string[],
  ask: ((d: TokenTargetDecision) => Promise<boolean>) | null,
): Promise<ProfileConfirmations> {
  const out: ProfileConfirmations = {};
  const host = next.host.trim().toLowerCase();
  if (!isHostInDomains(host, domains)) {
    if (confirmedFor?.confirmations.nonAzureHost === true && hostKey(confirmedFor) === hostKey(next)) out.nonAzureHost = true;
    else if (ask) {
      if (!(await ask({ kind: 'non-azure-host', profileName: next.name, host, port: next.port, cloud: cloudRef(next.cloud), domains }))) {
        throw new PgEntraError('confirmation_required', `Sending your Entra token to ${host}:${next.port} was not confirmed, so the profile "${next.name}" was not saved.`, {
          details: { fields: 'host', host, port: String(next.port) },
          hint: 'Save again and confirm in the dialog pgEntra shows if you trust this server.',
        });
      }
      out.nonAzureHost = true;
    }
  }
  if (next.sslmode !== 'verify-full') {
    if (confirmedFor?.confirmations.weakerTls === true && tlsKey(confirmedFor) === tlsKey(next)) out.weakerTls = true;
    else if (ask) {
      if (!(await ask({ kind: 'weaker-tls', profileName: next.name, host, port: next.port, sslmode: next.sslmode }))) {
        throw new PgEntraError('confirmation_required', `sslmode=${next.sslmode} for ${host}:${next.port} was not confirmed, so the profile "${next.name}" was not saved.`, {
          details: { fields: 'sslmode', host, sslmode: next.sslmode },
          hint: 'Use verify-full, or save again and confirm in the dialog pgEntra shows.',
        });
      }
      out.weakerTls = true;
    }
  }
  return out;
}

export function profileHandlers(s: Pick<Services, 'profiles' | 'confirmDecision' | 'postgresDomainsOf'>): ProfileHandlers {
  const p = s.profiles;
  // No dialog available: every such decision is refused (fail closed), never waved through.
  const ask = async (d: TokenTargetDecision): Promise<boolean> => (s.confirmDecision ? s.confirmDecision(d) : false);
  const domainsOf = (cloud: Profile['cloud']): readonly string[] => (s.postgresDomainsOf ? s.postgresDomainsOf(cloud) : postgresDomainsFor(cloud));
  // Profiles deleted in this run (id → profile), so an undo restores only confirmations the person gave.
  const removed = new Map<string, Profile>();

  const save = async (id: string | undefined, input: ProfileInputParsed): Promise<Profile> => {
    const existing = id ? await p.get(id) : undefined;
    const confirmations = await decide(input, existing, domainsOf(input.cloud), ask);
    const next = { ...input, confirmations };
    return id ? p.update(id, next) : p.create(next);
  };

  return {
    'profiles.list': async () => ({ profiles: await p.list() }),
    'profiles.save': async ({ id, profile }) => ({ profile: await save(id, profile) }),
    'profiles.delete': async ({ id }) => {
      const profile = await p.remove(id);
      removed.set(profile.id, profile);
      return { profile };
    },
    'profiles.restore': async ({ profile }) => {
      // The renderer sends the whole profile back: its confirmations count only if this process
      // deleted that profile with them, for the same host, port, cloud and mode.
      const confirmations = await decide(profile, removed.get(profile.id), domainsOf(profile.cloud), null);
      const restored = await p.restore({ ...profile, confirmations });
      removed.delete(profile.id);
      return { profile: restored };
    },
    'profiles.duplicate': async ({ id }) => ({ profile: await p.duplicate(id) }),
    'profiles.move': async ({ id, folder }) => ({ profile: await p.move(id, folder) }),
    'profiles.validate': async ({ profile }) => p.validate(profile),
  };
}
