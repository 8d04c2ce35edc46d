// A stand-in transport for the ARM pipeline (the SDK's HttpClient seam): routes by method and
// URL, records every request as it would leave the process (URL, Authorization header, agent),
// and a token provider whose database token carries the claims a test wants.
import { createHttpHeaders, type HttpClient, type PipelineRequest, type PipelineResponse } from '@azure/core-rest-pipeline';
import type { AccessToken, TokenProvider, TokenRequest } from '../../../electron/auth/tokenProvider.js';

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Sent {
  method: string;
  url: string;
  authorization: string | undefined;
  agent: unknown;
}

export type Route = (method: string, url: URL, body: string | undefined) => Reply | undefined;

export function fakeArm(route: Route): HttpClient & { sent: Sent[] } {
  const sent: Sent[] = [];
  return {
    sent,
    async sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
      sent.push({ method: request.method, url: request.url, authorization: request.headers.get('authorization'), agent: request.agent });
      const body = typeof request.body === 'string' ? request.body : undefined;
      const r = route(request.method, new URL(request.url), body) ?? { status: 404, body: { error: { code: 'ResourceNotFound', message: `no route for ${request.method} ${request.url}` } } };
      return {
        request,
        status: r.status,
        headers: createHttpHeaders({ 'content-type': 'application/json', ...(r.headers ?? {}) }),
        bodyAsText: r.body === undefined ? '' : JSON.stringify(r.body),
      };
    },
  };
}

export function jwt(claims: Record<string, unknown>): string {
  const part = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}.c2lnbmF0dXJl`;
}

export const ARM_TOKEN = jwt({ aud: 'https://management.azure.com', upn: 'adm-alice@contoso.example', oid: 'arm' });

/** Tokens for both resources; the database token carries `pgClaims`. Records every request. */
export function fakeTokens(pgClaims: Record<string, unknown> = {}): TokenProvider & { requests: TokenRequest[] } {
  const requests: TokenRequest[] = [];
  return {
    requests,
    async getToken(req: TokenRequest): Promise<AccessToken> {
      requests.push(req);
      const account = req.credential.kind === 'interactive' ? (req.credential.account ?? 'adm-alice@contoso.example') : undefined;
      const token = req.resource === 'management' ? ARM_TOKEN : jwt({ aud: 'https://ossrdbms-aad.database.windows.net', idtyp: 'user', upn: account, ...pgClaims });
      return { token, expiresOn: new Date(Date.now() + 3_600_000), ...(account ? { account } : {}) };
    },
  };
}

export const SUB = '66baffc8-23ba-4e81-b4f0-d92a26c9d95d';

export function serverModel(name: string, extra: Record<string, unknown> = {}, sub = SUB, rg = 'rg-data'): Record<string, unknown> {
  return {
    id: `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.DBforPostgreSQL/flexibleServers/${name}`,
    name,
    type: 'Microsoft.DBforPostgreSQL/flexibleServers',
    location: 'westeurope',
    sku: { name: 'Standard_D2ds_v5', tier: 'GeneralPurpose' },
    properties: {
      fullyQualifiedDomainName: `${name}.postgres.database.azure.com`,
      version: '16',
      state: 'Ready',
      administratorLogin: 'azure_admin',
      authConfig: { activeDirectoryAuth: 'Enabled', passwordAuth: 'Enabled', tenantId: '11111111-1111-1111-1111-111111111111' },
      network: { publicNetworkAccess: 'Enabled' },
      replicationRole: 'Primary',
      ...extra,
    },
  };
}
