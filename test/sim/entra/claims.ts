// The `claims` request parameter (OpenID Connect Core §5.5) as Entra reads it for a step-up: an
// essential `acrs` (a Conditional Access authentication context, e.g. the "p1" ARM's mandatory MFA
// asks for), an essential `amr` naming "mfa", or an essential `acr` of urn:microsoft:policies:mfa.
// MSAL merges its client capabilities (`xms_cc`) into the same JSON; those ask for nothing here.
import { z } from 'zod';
import type { EntraErrorSpec } from './errors.js';

const Individual = z.union([z.object({ essential: z.boolean().optional(), value: z.string().optional(), values: z.array(z.string()).optional() }).loose(), z.null()]);
const Section = z.record(z.string(), Individual);
const ClaimsSchema = z.object({ access_token: Section.optional(), id_token: Section.optional() }).loose();

/** What a request asks the sign-in to have done. */
export interface StepUp {
  mfa: boolean;
  /** Authentication context ids; the simulator backs every one with MFA. */
  acrs: string[];
}

/** What a grant (code, refresh token, device code) did: tokens from it say so in `amr`/`acrs`. */
export interface AuthState {
  mfa: boolean;
  acrs: string[];
}

export const NO_STEP_UP: StepUp = { mfa: false, acrs: [] };

const MFA_ACR = 'urn:microsoft:policies:mfa';

function valuesOf(c: z.infer<typeof Individual> | undefined): string[] {
  if (!c || c.essential !== true) return [];
  return [...(c.values ?? []), ...(c.value === undefined ? [] : [c.value])];
}

/** `raw` is the parameter as sent (JSON text); a malformed one is Entra's invalid_request. */
export function parseClaims(raw: string | undefined): StepUp | EntraErrorSpec {
  if (raw === undefined || raw.trim() === '') return NO_STEP_UP;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    json = undefined;
  }
  const parsed = ClaimsSchema.safeParse(json);
  if (!parsed.success)
    return { error: 'invalid_request', aadsts: 9002313, description: "Invalid request. Request is malformed or invalid: the 'claims' parameter is not a valid JSON claims request." };
  const sections = [parsed.data.access_token, parsed.data.id_token].filter((s) => s !== undefined);
  const acrs = new Set(sections.flatMap((s) => valuesOf(s.acrs)));
  const mfa = sections.some((s) => valuesOf(s.amr).includes('mfa') || valuesOf(s.acr).includes(MFA_ACR));
  return { mfa: mfa || acrs.size > 0, acrs: [...acrs] };
}

export function mergeStepUp(a: StepUp, b: StepUp): StepUp {
  return { mfa: a.mfa || b.mfa, acrs: [...new Set([...a.acrs, ...b.acrs])] };
}

/** Whether a grant that did `done` satisfies `wanted` without a new sign-in. */
export function satisfies(done: AuthState, wanted: StepUp): boolean {
  return done.mfa || !wanted.mfa;
}

/** The grant's state after a request for `wanted` it satisfied: an MFA session meets any auth context. */
export function afterStepUp(done: AuthState, wanted: StepUp): AuthState {
  return done.mfa ? { mfa: true, acrs: [...new Set([...done.acrs, ...wanted.acrs])] } : done;
}
