// One cloud's Azure Resource Manager clients for one caller: the official flexible-server SDK
// (paging, long-running operations, 429/5xx retries) per subscription, and raw GETs (the
// subscription list, which has no SDK in our dependencies) through the same pipeline. pgEntra
// adds two policies to every pipeline:
//   origin guard — next-page and Azure-AsyncOperation links come from the server: a request to any
//                  origin but the cloud's management endpoint (or not https) is refused before the
//                  bearer policy can attach the ARM token, and again right before sending;
//   transport    — every request uses pgEntra's own agent (net/httpsTransport.ts), as the Entra
//                  client does: pgEntra's trust list (bundled roots, NODE_EXTRA_CA_CERTS, the OS
//                  store when trusted) plus the custom cloud's CA file, and the proxy pgEntra's
//                  resolver picks. The SDK's own proxy policy is removed: a proxy agent of its
//                  own would bring Node's default trust list and its own reading of HTTPS_PROXY.
import { PostgreSQLManagementFlexibleServerClient, type PostgreSQLManagementFlexibleServerClientOptionalParams } from '@azure/arm-postgresql-flexible';
import type { TokenCredential } from '@azure/core-auth';
import { ServiceClient } from '@azure/core-client';
import {
  RestError,
  bearerTokenAuthenticationPolicyName,
  createPipelineRequest,
  proxyPolicyName,
  type HttpClient,
  type Pipeline,
  type PipelinePolicy,
  type PipelineRetryOptions,
} from '@azure/core-rest-pipeline';
import type { Cloud } from '../../shared/clouds.js';
import { PgEntraError } from '../../shared/errors.js';
import { managementEndpointOf } from '../base/cloudLoader.js';
import { readCaFile } from '../base/tls.js';
import { HttpsTransport } from '../net/httpsTransport.js';
import type { ProxyResolver } from '../net/proxyConfig.js';

export const SUBSCRIPTIONS_API_VERSION = '2022-12-01';
/** Few, quick retries: a person is waiting. 429 waits as long as Retry-After says. */
const RETRY: PipelineRetryOptions = { maxRetries: 2, retryDelayInMs: 300, maxRetryDelayInMs: 2_000 };

export interface ArmClientOptions {
  /** The cloud; its managementEndpoint must be set (managementEndpointOf checks). */
  cloud: Cloud;
  credential: TokenCredential;
  /** The token scope, `<managementEndpoint>/.default`. */
  scope: string;
  /** Tests: a stand-in transport. */
  httpClient?: HttpClient;
  retryOptions?: PipelineRetryOptions;
  /** Direct or through which proxy, per connection (default: direct). */
  resolveProxy?: ProxyResolver;
}

export function originGuardPolicy(endpoint: string, name: string): PipelinePolicy {
  const allowed = new URL(endpoint).origin;
  return {
    name,
    sendRequest(request, next) {
      let origin: string;
      let protocol: string;
      try {
        ({ origin, protocol } = new URL(request.url));
      } catch {
        throw new PgEntraError('internal', 'Azure Resource Manager returned a link pgEntra cannot read; nothing was sent.');
      }
      if (protocol !== 'https:' || origin !== allowed) {
        throw new PgEntraError(
          'internal',
          `Azure Resource Manager pointed pgEntra to ${origin} (a next-page or operation-status link). pgEntra sends its Azure Resource Manager token only to ${allowed}, so it stopped there.`,
          {
            details: { origin, allowed },
          },
        );
      }
      return next(request);
    },
  };
}

export function tlsTrustPolicy(agent: HttpsTransport): PipelinePolicy {
  return {
    name: 'pgentraTlsTrust',
    async sendRequest(request, next) {
      request.agent = agent; // always ours: no proxy agent or default store replaces the trust list
      try {
        return await next(request);
      } catch (e) {
        // The SDK re-wraps a request error keeping only its message and code: give back the proxy or certificate error itself.
        throw agent.explain(e, request.url) ?? e;
      }
    },
  };
}

/**
 * pgEntra's transport for one cloud's ARM: its trust list plus the custom cloud's CA (a private
 * or test cloud's ARM), and the proxy resolver. The secure context is the one database
 * connections use, built once per CA set (base/tls.ts).
 */
export function trustAgent(cloud: Pick<Cloud, 'caFile'>, resolveProxy?: ProxyResolver): HttpsTransport {
  return new HttpsTransport({ keepAlive: true, ...(cloud.caFile ? { extraCaPem: readCaFile(cloud.caFile) } : {}), ...(resolveProxy ? { resolveProxy } : {}) });
}

/** Adds pgEntra's policies to an SDK pipeline (before the bearer policy, and last before sending). */
export function securePipeline(pipeline: Pipeline, endpoint: string, agent: HttpsTransport): void {
  pipeline.removePolicy({ name: proxyPolicyName });
  pipeline.addPolicy(originGuardPolicy(endpoint, 'pgentraOriginGuard'), { beforePolicies: [bearerTokenAuthenticationPolicyName] });
  pipeline.addPolicy(originGuardPolicy(endpoint, 'pgentraOriginGuardOnSend'), { afterPhase: 'Sign' });
  pipeline.addPolicy(tlsTrustPolicy(agent), { afterPhase: 'Sign' });
}

export class ArmClient {
  readonly endpoint: string;
  private readonly agent: HttpsTransport;
  private readonly clients = new Map<string, PostgreSQLManagementFlexibleServerClient>();

  constructor(private readonly opts: ArmClientOptions) {
    this.endpoint = managementEndpointOf(opts.cloud);
    this.agent = trustAgent(opts.cloud, opts.resolveProxy);
  }

  /** The flexible-server SDK client for one subscription ('' = none: raw requests only). */
  flex(subscriptionId: string): PostgreSQLManagementFlexibleServerClient {
    let c = this.clients.get(subscriptionId);
    if (!c) {
      // endpoint AND $host: the SDK defaults both to the public cloud, a national-cloud bug otherwise.
      const options: PostgreSQLManagementFlexibleServerClientOptionalParams = {
        endpoint: this.endpoint,
        $host: this.endpoint,
        credentialScopes: [this.opts.scope],
        retryOptions: this.opts.retryOptions ?? RETRY,
        userAgentOptions: { userAgentPrefix: 'pgEntra' },
        ...(this.opts.httpClient ? { httpClient: this.opts.httpClient } : {}),
      };
      c = subscriptionId ? new PostgreSQLManagementFlexibleServerClient(this.opts.credential, subscriptionId, options) : new PostgreSQLManagementFlexibleServerClient(this.opts.credential, options);
      securePipeline(c.pipeline, this.endpoint, this.agent);
      this.clients.set(subscriptionId, c);
    }
    return c;
  }

  /** GET a path (`/subscriptions?…`) or a server-given link, through the same pipeline; JSON body or a RestError. */
  async getJson(pathOrUrl: string, signal?: AbortSignal): Promise<unknown> {
    const url = pathOrUrl.startsWith('/') ? `${this.endpoint}${pathOrUrl}` : pathOrUrl;
    const client: ServiceClient = this.flex('');
    const request = createPipelineRequest({ url, method: 'GET', ...(signal ? { abortSignal: signal } : {}) });
    const response = await client.sendRequest(request);
    const text = response.bodyAsText ?? '';
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      body = undefined;
    }
    if (response.status >= 400) {
      const err = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
      const code = typeof err?.code === 'string' ? err.code : undefined;
      const message = typeof err?.message === 'string' ? err.message : `HTTP ${response.status}`;
      throw new RestError(message, { statusCode: response.status, request, response, ...(code ? { code } : {}) });
    }
    if (body === undefined) throw new PgEntraError('internal', `Azure Resource Manager answered ${new URL(url).pathname} with something that is not JSON.`);
    return body;
  }

  close(): void {
    this.agent.destroy();
  }
}
