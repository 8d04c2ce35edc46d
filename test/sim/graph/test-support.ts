// Test support for the Microsoft Graph simulator: one raw HTTPS request to its endpoint trusting
// the simulator's CA, and Graph tokens minted by the Entra simulator with the permissions a test
// names (PIM's, by default).
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import type { SimulatedAzure } from '../index.js';

export const PIM_READ = 'PrivilegedEligibilitySchedule.Read.AzureADGroup';
export const PIM_WRITE = 'PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup';
export const PIM_SCOPES = `${PIM_READ} ${PIM_WRITE}`;
export const PIM_BASE = '/v1.0/identityGovernance/privilegedAccess/group';

export interface GraphResponse {
  status: number;
  headers: Record<string, string>;
  /** Parsed JSON (undefined for an empty or non-JSON body). */
  body: unknown;
  text: string;
}

export interface GraphTarget {
  endpoint: string;
  caFile: string;
}

/** One request to Graph (`path` relative to the endpoint, e.g. `/v1.0/me`). */
export function graphRequest(target: GraphTarget, path: string, opts: { token?: string; method?: string; body?: unknown; host?: string } = {}): Promise<GraphResponse> {
  const url = new URL(path, target.endpoint);
  const payload = opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
  const headers: Record<string, string> = {
    ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
    ...(payload !== undefined ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) } : {}),
    ...(opts.host ? { host: opts.host } : {}),
  };
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method ?? (payload === undefined ? 'GET' : 'POST'), headers, ca: readFileSync(target.caFile, 'utf8'), agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        const flat: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) flat[k] = Array.isArray(v) ? v.join(', ') : v;
        let body: unknown;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          body = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: flat, body, text });
      });
    });
    req.on('error', reject);
    req.end(payload);
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
