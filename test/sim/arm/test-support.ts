// Test support for the Resource Manager simulator: raw HTTPS requests that trust the simulator's
// CA, and the official ARM client (@azure/arm-postgresql-flexible, what the product uses) pointed
// at the localhost endpoint with a token minted by the Entra simulator.
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { PostgreSQLManagementFlexibleServerClient } from '@azure/arm-postgresql-flexible';
import type { SimulatedAzure } from '../index.js';

export interface ArmResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  text: string;
}

/** One request to the ARM endpoint (`path` relative to it, or an absolute URL such as a nextLink). */
export function armRequest(sim: SimulatedAzure, path: string, opts: { token?: string; method?: string; body?: unknown; authorization?: string } = {}): Promise<ArmResponse> {
  const url = new URL(path, sim.arm.endpoint);
  const payload = opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
  const headers: Record<string, string> = {
    ...(opts.authorization !== undefined ? { authorization: opts.authorization } : opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
    ...(payload !== undefined ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) } : {}),
  };
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method ?? 'GET', headers, ca: readFileSync(sim.caFile, 'utf8'), agent: false }, (res) => {
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

/** A TokenCredential handing out an ARM token the Entra simulator mints for `upn`. */
export function mintedCredential(sim: SimulatedAzure, upn: string): TokenCredential & { calls: number } {
  const cred = {
    calls: 0,
    getToken(): Promise<AccessToken> {
      cred.calls += 1;
      return Promise.resolve({ token: sim.entra.control.mintAccessToken({ upn }, { audience: 'https://management.azure.com' }), expiresOnTimestamp: Date.now() + 3_600_000 });
    },
  };
  return cred;
}

/** Trust the simulator's CA for the SDK's requests (its Node HTTP client honours `request.agent`). */
function caPolicy(caPem: string): PipelinePolicy {
  const agent = new Agent({ ca: caPem, keepAlive: true });
  return {
    name: 'simulatorCa',
    sendRequest(req, next) {
      req.agent = agent;
      return next(req);
    },
  };
}

export function sdkClient(sim: SimulatedAzure, credential: TokenCredential, subscriptionId: string): PostgreSQLManagementFlexibleServerClient {
  const endpoint = sim.arm.endpoint;
  return new PostgreSQLManagementFlexibleServerClient(credential, subscriptionId, {
    endpoint,
    $host: endpoint,
    credentialScopes: [`${endpoint}/.default`],
    additionalPolicies: [{ policy: caPolicy(readFileSync(sim.caFile, 'utf8')), position: 'perCall' }],
  });
}
