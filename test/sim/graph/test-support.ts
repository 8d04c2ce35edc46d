// Test support for the Microsoft Graph simulator: one raw HTTPS request to its endpoint trusting
// the simulator's CA, and Graph tokens minted by the Entra simulator with the permissions a test
// names (PIM's, by default).
import { readFileSync } from 'node:fs';
import { httpsJson, type JsonResponse } from '../httpsJson.js';
import type { SimulatedAzure } from '../index.js';

export const PIM_READ = 'PrivilegedEligibilitySchedule.Read.AzureADGroup';
export const PIM_WRITE = 'PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup';
export const PIM_SCOPES = `${PIM_READ} ${PIM_WRITE}`;
export const PIM_BASE = '/v1.0/identityGovernance/privilegedAccess/group';

export type GraphResponse = JsonResponse;

export interface GraphTarget {
  endpoint: string;
  caFile: string;
}

/** One request to Graph (`path` relative to the endpoint, e.g. `/v1.0/me`); a body makes it a POST. */
export function graphRequest(target: GraphTarget, path: string, opts: { token?: string; method?: string; body?: unknown; host?: string } = {}): Promise<GraphResponse> {
  return httpsJson(new URL(path, target.endpoint), readFileSync(target.caFile, 'utf8'), {
    method: opts.method ?? (opts.body === undefined ? 'GET' : 'POST'),
    token: opts.token,
    headers: opts.host ? { host: opts.host } : {},
    body: opts.body,
  });
}

/** A Graph token for `upn` from the Entra simulator (audience: the simulator's Graph endpoint). */
export function graphToken(sim: SimulatedAzure, upn: string, opts: { scp?: string; mfa?: boolean; acrs?: string[]; audience?: string } = {}): string {
  return sim.entra.control.mintAccessToken(
    { upn },
    { audience: opts.audience ?? sim.graph.endpoint, scp: opts.scp ?? PIM_SCOPES, ...(opts.mfa !== undefined ? { mfa: opts.mfa } : {}), ...(opts.acrs ? { acrs: opts.acrs } : {}) },
  );
}

/** A self-activation request body as the Graph reference shows it. */
export function activation(principalId: string, groupId: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    accessId: 'member',
    principalId,
    groupId,
    action: 'selfActivate',
    scheduleInfo: { startDateTime: new Date().toISOString(), expiration: { type: 'afterDuration', duration: 'PT2H' } },
    justification: 'Investigating INC-4711',
    ...over,
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
