// The Azure pre-flight of one connect attempt, as the renderer keeps it: `session.preflight`
// events folded into the attempt they belong to (by attempt id), the refusal check superseding
// the check made while connecting. Pure, so it is unit-tested.
import type { AzureServer, PreflightFinding } from '../../../shared/azure.js';
import type { EventPayload } from '../../../shared/contract.js';

export interface PreflightState {
  phase: 'connect' | 'refusal';
  status: 'checking' | 'done';
  server: AzureServer | null;
  findings: PreflightFinding[];
}

/** The attempt with the event applied; the same object when the event is for another attempt or stale. */
export function applyPreflight<A extends { id?: string; preflight?: PreflightState }>(attempt: A, e: EventPayload<'session.preflight'>): A {
  if (!attempt.id || e.attemptId !== attempt.id) return attempt;
  // The refusal check knows more (the address the firewall saw): a late check from while connecting never replaces it.
  if (e.phase === 'connect' && attempt.preflight?.phase === 'refusal') return attempt;
  return { ...attempt, preflight: { phase: e.phase, status: e.status, server: e.server, findings: e.findings } };
}
