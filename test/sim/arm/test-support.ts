// Test support for the Resource Manager simulator: raw HTTPS requests that trust the simulator's
// CA, and the official ARM client (@azure/arm-postgresql-flexible, what the product uses) pointed
// at the localhost endpoint with a token minted by the Entra simulator.
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { PostgreSQLManagementFlexibleServerClient } from '@azure/arm-postgresql-flexible';
import { httpsJson, type JsonResponse } from '../httpsJson.js';
import type { SimulatedAzure } from '../index.js';

export type ArmResponse = JsonResponse;

/** One request to the ARM endpoint (`path` relative to it, or an absolute URL such as a nextLink). */
export function armRequest(sim: SimulatedAzure, path: string, opts: { token?: string; method?: string; body?: unknown; authorization?: string } = {}): Promise<ArmResponse> {
  return httpsJson(new URL(path, sim.arm.endpoint), readFileSync(sim.caFile, 'utf8'), {
    method: opts.method ?? 'GET',
    token: opts.token,
    headers: opts.authorization !== undefined ? { authorization: opts.authorization } : {},
    body: opts.body,
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
