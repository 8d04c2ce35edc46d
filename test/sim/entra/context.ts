// What every handler needs: the directory, runtime state, token factory and the stores, group
// membership, the origin the request came to, plus the client lookup and error answer shared by
// endpoints.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AZURE_CLI_CLIENT_ID, type Directory } from '../types.js';
import { entraErrorBody, statusFor, type EntraErrorSpec } from './errors.js';
import { header, sendJson } from './http.js';
import type { SimState } from './state.js';
import type { TokenFactory } from './tokens.js';
import type { GrantStore } from './grants.js';
import type { DeviceCodeStore } from './devicecode.js';

export interface SimContext {
  directory: Directory;
  state: SimState;
  tokens: TokenFactory;
  grants: GrantStore;
  devices: DeviceCodeStore;
  /** Resource URIs issued tokens beyond Azure's well-known ones (a custom cloud's Resource Manager). */
  extraResources: readonly string[];
  /** Resource URIs that are Microsoft Graph beyond its own (a custom cloud's Graph endpoint). */
  graphResources: readonly string[];
  /** The groups a directory object is a member of now, as tokens and policies see them (PIM activations included). */
  groupsOf: (objectId: string) => string[];
  /** `https://host[:port]` of this request (from its Host header): base of every URL the simulator writes. */
  origin: string;
}

export function clientName(dir: Directory, clientId: string): string | null {
  const known = dir.clients.find((c) => c.clientId.toLowerCase() === clientId.toLowerCase());
  if (known) return known.displayName;
  return clientId.toLowerCase() === AZURE_CLI_CLIENT_ID ? 'Microsoft Azure CLI' : null;
}

export function correlationIdOf(req: IncomingMessage, params?: Record<string, string>): string | undefined {
  return header(req, 'client-request-id') ?? params?.['client-request-id'];
}

export function sendEntraError(res: ServerResponse, spec: EntraErrorSpec, correlationId?: string): void {
  sendJson(res, statusFor(spec.error), entraErrorBody(spec, correlationId));
}
