// One cloud's Azure Resource Manager clients for one caller: the official flexible-server SDK
// (paging, long-running operations, 429/5xx retries) per subscription, and raw GETs (the
// subscription list, which has no SDK in our dependencies) through the same pipeline. pgEntra
// adds two policies to every pipeline:
//   origin guard — next-page and Azure-AsyncOperation links come from the server: a request to any
//                  origin but the cloud's management endpoint (or not https) is refused before the
//                  bearer policy can attach the ARM token, and again right before sending;
//   TLS trust    — every request uses an agent trusting pgEntra's roots (bundled +
//                  NODE_EXTRA_CA_CERTS) plus the custom cloud's CA file, as the Entra client does.
//                  Like that client it does not go through HTTPS_PROXY.
import https from 'node:https';
import { PostgreSQLManagementFlexibleServerClient, type PostgreSQLManagementFlexibleServerClientOptionalParams } from '@azure/arm-postgresql-flexible';
import type { TokenCredential } from '@azure/core-auth';
import { ServiceClient } from '@azure/core-client';
import { RestError, bearerTokenAuthenticationPolicyName, createPipelineRequest, type HttpClient, type Pipeline, type PipelinePolicy, type PipelineRetryOptions } from '@azure/core-rest-pipeline';
import type { Cloud } from '../../shared/clouds.js';
import { PgEntraError } from '../../shared/errors.js';
import { managementEndpointOf } from '../base/cloudLoader.js';
import { readCaFile, trustContext } from '../base/tls.js';

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

export function tlsTrustPolicy(agent: https.Agent): PipelinePolicy {
  return {
    name: 'pgentraTlsTrust',
    sendRequest(request, next) {
      request.agent = agent; // always ours: no proxy agent or default store replaces the trust list
      return next(request);
    },
  };
}

/**
 * pgEntra's trust list, plus the custom cloud's CA (a private or test cloud's ARM): the same
 * secure context database connections use, built once per CA set (base/tls.ts) — given as `ca`,
 * Node would parse the ~150 roots again for every ARM call's connection.
 */
export function trustAgent(cloud: Pick<Cloud, 'caFile'>): https.Agent {
  return new https.Agent({ keepAlive: true, secureContext: trustContext(cloud.caFile ? readCaFile(cloud.caFile) : undefined) });
}

/** Adds pgEntra's policies to an SDK pipeline (before the bearer policy, and last before sending). */
export function securePipeline(pipeline: Pipeline, endpoint: string, agent: https.Agent): void {
  pipeline.addPolicy(originGuardPolicy(endpoint, 'pgentraOriginGuard'), { beforePolicies: [bearerTokenAuthenticationPolicyName] });
  pipeline.addPolicy(originGuardPolicy(endpoint, 'pgentraOriginGuardOnSend'), { afterPhase: 'Sign' });
  pipeline.addPolicy(tlsTrustPolicy(agent), { afterPhase: 'Sign' });
}

export class ArmClient {
  readonly endpoint: string;
  private readonly agent: https.Agent;
  private readonly clients = new Map<string, PostgreSQLManagementFlexibleServerClient>();

  constructor(private readonly opts: ArmClientOptions) {
    this.endpoint = managementEndpointOf(opts.cloud);
    this.agent = trustAgent(opts.cloud);
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
