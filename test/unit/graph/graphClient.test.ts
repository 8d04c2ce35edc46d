// GraphClient against a stand-in Graph over real HTTPS: the origin guard (the Graph token goes to
// Graph's origin only — never to another host, over http, to a protocol-relative path or to a
// next link elsewhere, and is not even fetched for them), the one retry with a challenge's claims,
// Graph's refusals as typed errors (401, 403, 404, 429 with Retry-After, 5xx, the claims PIM
// writes at the end of a long message), answers that are not what was asked for (not JSON, another
// shape, too large) and a cancel, each as an error a person can act on.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { GraphClient, GraphRequestError, retryAfterMs, type GraphClientOptions } from '../../../electron/graph/graphClient.js';
import { fakeTokens, json, startFakeGraph, type FakeGraph, type FakeTokens } from './fakeGraph.js';
import { pgEntraFailure } from '../../support/pgEntraFailure.js';

let graph: FakeGraph;
let elsewhere: FakeGraph;
let tokens: FakeTokens;
const clients: GraphClient[] = [];
const Value = z.object({ value: z.array(z.object({ id: z.string() })), '@odata.nextLink': z.string().optional() });

beforeAll(async () => {
  [graph, elsewhere] = await Promise.all([startFakeGraph(), startFakeGraph()]);
});
afterAll(async () => {
  await Promise.all([graph.close(), elsewhere.close()]);
});
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
  graph.requests.length = 0;
  elsewhere.requests.length = 0;
});

function client(over: Partial<GraphClientOptions> = {}): GraphClient {
  tokens = fakeTokens();
  const c = new GraphClient({
    tokens,
    endpoint: graph.endpoint,
    caller: { cloud: 'public', credential: { kind: 'interactive', account: 'adm-alice@contoso.example' } },
    extraCaPem: graph.caPem,
    ...over,
  });
  clients.push(c);
  return c;
}

describe('the origin guard', () => {
  it('a path and a next link on Graph’s origin are asked with the token', async () => {
    graph.handle((req, res) => json(res, 200, req.url.includes('page=2') ? { value: [{ id: 'b' }] } : { value: [{ id: 'a' }], '@odata.nextLink': `${graph.endpoint}/v1.0/things?page=2` }));
    const g = client();
    const first = await g.get('/v1.0/things', Value);
    expect(first.value).toEqual([{ id: 'a' }]);
    expect((await g.get(first['@odata.nextLink'] ?? '', Value)).value).toEqual([{ id: 'b' }]);
    expect(graph.requests.map((r) => r.url)).toEqual(['/v1.0/things', '/v1.0/things?page=2']);
    expect(graph.requests.every((r) => r.authorization?.startsWith('Bearer '))).toBe(true);
  });

  it.each([
    ['another host', (): string => `${elsewhere.endpoint}/v1.0/things`],
    ['http on Graph’s own host and port', (): string => graph.endpoint.replace('https:', 'http:') + '/v1.0/things'],
    ['a protocol-relative path', (): string => `//${new URL(elsewhere.endpoint).host}/v1.0/things`],
    ['a backslash path', (): string => `/\\${new URL(elsewhere.endpoint).host}/v1.0/things`],
    ['user info naming Graph', (): string => `https://${new URL(graph.endpoint).host}@${new URL(elsewhere.endpoint).host}/v1.0/things`],
    ['no scheme at all', (): string => 'evil.example/v1.0/things'],
  ])('%s: refused before a token is fetched; nothing reaches either server', async (_what, link) => {
    const g = client();
    const e = await pgEntraFailure(g.get(link(), Value));
    expect(e.message).toMatch(/^Microsoft Graph pointed pgEntra to .*\. pgEntra sends its Graph token only to https:\/\/127\.0\.0\.1:\d+, so it stopped there\.$/);
    expect(tokens.calls).toEqual([]);
    expect(graph.requests).toEqual([]);
    expect(elsewhere.requests).toEqual([]);
  });

  it('a next link to another host in a page: the first page is read, the link refused, the other host never sees the token', async () => {
    graph.handle((_req, res) => json(res, 200, { value: [{ id: 'a' }], '@odata.nextLink': `${elsewhere.endpoint}/v1.0/things?page=2` }));
    elsewhere.handle((_req, res) => json(res, 200, { value: [] }));
    const g = client();
    const first = await g.get('/v1.0/things', Value);
    const e = await pgEntraFailure(g.get(first['@odata.nextLink'] ?? '', Value));
    expect(e.code).toBe('internal');
    expect(e.details).toEqual({ origin: elsewhere.endpoint });
    expect(tokens.calls).toHaveLength(1);
    expect(elsewhere.requests).toEqual([]);
  });
});

describe('a claims challenge', () => {
  const challenge = `Bearer realm="", error="insufficient_claims", claims="${Buffer.from('{"access_token":{"acrs":{"essential":true,"value":"c1"}}}').toString('base64')}"`;

  it('is asked once more with the claims; the answer then counts', async () => {
    let n = 0;
    graph.handle((_req, res) =>
      n++ === 0 ? json(res, 401, { error: { code: 'InvalidAuthenticationToken', message: 'Claims needed.' } }, { 'www-authenticate': challenge }) : json(res, 200, { value: [] }),
    );
    const g = client();
    expect(await g.get('/v1.0/things', Value)).toEqual({ value: [] });
    expect(tokens.calls.map((c) => c.claims)).toEqual([undefined, '{"access_token":{"acrs":{"essential":true,"value":"c1"}}}']);
    expect(graph.requests).toHaveLength(2);
  });

  it('refused again with the claims: no third try, a sign-in error', async () => {
    graph.handle((_req, res) => json(res, 401, { error: { code: 'InvalidAuthenticationToken', message: 'Claims needed.' } }, { 'www-authenticate': challenge }));
    const e = await pgEntraFailure(client().get('/v1.0/things', Value));
    expect(graph.requests).toHaveLength(2);
    expect(e).toBeInstanceOf(GraphRequestError);
    expect(e.code).toBe('sign_in_required');
    expect(e.message).toBe('Microsoft Graph did not accept the sign-in (401 InvalidAuthenticationToken): Claims needed..');
    expect(e.hint).toContain('pgentra login --scope graph');
  });
});

describe('Graph’s refusals', () => {
  it.each([
    [401, 'InvalidAuthenticationToken', 'sign_in_required'],
    [403, 'Authorization_RequestDenied', 'azure_forbidden'],
    [404, 'ResourceNotFound', 'not_found'],
    [400, 'BadRequest', 'invalid_input'],
    [500, 'generalException', 'network_unavailable'],
    [503, 'serviceNotAvailable', 'network_unavailable'],
  ])('%i %s → %s, with the status and Graph’s code', async (status, code, expected) => {
    graph.handle((_req, res) => json(res, status, { error: { code, message: 'Something.' } }));
    const e = await pgEntraFailure(client().get('/v1.0/things', Value));
    expect(e).toBeInstanceOf(GraphRequestError);
    expect(e.code).toBe(expected);
    expect(e.details).toMatchObject({ status, graphCode: code });
  });

  it('429 says how long Graph asked to wait (seconds or a date); without Retry-After none is made up', async () => {
    graph.handle((_req, res) => json(res, 429, { error: { code: 'TooManyRequests', message: 'Too many requests.' } }, { 'retry-after': '7' }));
    const e = (await pgEntraFailure(client().get('/v1.0/things', Value))) as GraphRequestError;
    expect(e.code).toBe('network_unavailable');
    expect(e.retryAfterMs).toBe(7_000);
    expect(e.details).toMatchObject({ retryAfterMs: 7_000 });
    expect(e.message).toBe('Microsoft Graph is throttling requests (429 TooManyRequests): Too many requests..');
    expect(e.hint).toBe('Try again in 7 s.');
    graph.handle((_req, res) => json(res, 429, { error: { code: 'TooManyRequests', message: '' } }));
    expect(((await pgEntraFailure(client().get('/v1.0/things', Value))) as GraphRequestError).retryAfterMs).toBeUndefined();
    expect(retryAfterMs(new Date(Date.UTC(2026, 0, 1, 0, 0, 30)).toUTCString(), Date.UTC(2026, 0, 1, 0, 0, 0))).toBe(30_000);
    expect(retryAfterMs('soon')).toBeUndefined();
  });

  it('the claims at the end of a long message are read before it is cut for display', async () => {
    const claims = '{"access_token":{"acrs":{"essential":true, "value":"c1"}}}';
    graph.handle((_req, res) =>
      json(res, 400, { error: { code: 'RoleAssignmentRequestAcrsValidationFailed', message: `${'The policy requires more. '.repeat(30)}&claims=${encodeURIComponent(claims)}` } }),
    );
    const e = (await pgEntraFailure(client().get('/v1.0/things', Value))) as GraphRequestError;
    expect(e.graphMessage.length).toBeLessThanOrEqual(500);
    expect(e.graphMessage).not.toContain('claims=');
    expect(e.claims).toBe(claims);
  });
});

describe('answers that are not what was asked for', () => {
  it('HTML with 200: a typed error that says something answered in Graph’s place', async () => {
    graph.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>Sign in to the guest network</html>');
    });
    const e = await pgEntraFailure(client().get('/v1.0/things', Value));
    expect(e.code).toBe('network_unavailable');
    expect(e.message).toBe("Microsoft Graph's answer to /v1.0/things is not JSON (text/html).");
    expect(e.hint).toContain('a proxy, a captive portal');
  });

  it('JSON of another shape: a typed error naming the field, not a ZodError', async () => {
    graph.handle((_req, res) => json(res, 200, { value: [{ id: 42 }] }));
    const e = await pgEntraFailure(client().get('/v1.0/things', Value));
    expect(e.code).toBe('internal');
    expect(e.message).toMatch(/^Microsoft Graph answered \/v1\.0\/things in a form pgEntra does not know \(value\.0\.id: .+\)\.$/);
    expect(e.hint).toContain('update pgEntra');
  });

  it.each([
    ['with a content-length', true],
    ['chunked', false],
  ])('larger than the limit (%s): stopped, a typed error', async (_what, withLength) => {
    const big = JSON.stringify({ value: [{ id: 'x'.repeat(5_000) }] });
    graph.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', ...(withLength ? { 'content-length': String(big.length) } : {}) });
      if (withLength) res.end(big);
      else {
        res.write(big.slice(0, 2_500));
        setTimeout(() => res.end(big.slice(2_500)), 20);
      }
    });
    const e = await pgEntraFailure(client({ maxResponseBytes: 1_000 }).get('/v1.0/things', Value));
    expect(e.code).toBe('network_unavailable');
    expect(e.message).toBe("Microsoft Graph's answer to /v1.0/things is larger than 1000 bytes; pgEntra stopped reading it.");
  });

  it('an answer within the limit is read whole', async () => {
    graph.handle((_req, res) => json(res, 200, { value: [{ id: 'x'.repeat(500) }] }));
    expect((await client({ maxResponseBytes: 1_000 }).get('/v1.0/things', Value)).value[0]?.id).toHaveLength(500);
  });
});

describe('a cancel', () => {
  it('while Graph has not answered: sign_in_cancelled, not a network error', async () => {
    graph.handle(() => undefined); // never answers
    const ctl = new AbortController();
    const g = client({ caller: { cloud: 'public', credential: { kind: 'interactive', account: 'adm-alice@contoso.example' }, signal: ctl.signal } });
    const pending = pgEntraFailure(g.get('/v1.0/things', Value));
    await expect.poll(() => graph.requests.length).toBe(1);
    ctl.abort();
    const e = await pending;
    expect(e.code).toBe('sign_in_cancelled');
    expect(e.message).toBe('Cancelled: the Microsoft Graph request was stopped.');
    expect(e.message).not.toContain('ABORT_ERR');
  });

  it('a caller’s deadline that passes: no answer in time, not a cancel', async () => {
    graph.handle(() => undefined);
    const g = client({ caller: { cloud: 'public', credential: { kind: 'interactive', account: 'adm-alice@contoso.example' }, signal: AbortSignal.timeout(200) } });
    const e = await pgEntraFailure(g.get('/v1.0/things', Value));
    expect(e.code).toBe('network_unavailable');
    expect(e.message).toMatch(/^Microsoft Graph at 127\.0\.0\.1:\d+ did not answer in time\.$/);
  });

  it('already cancelled: nothing is fetched or sent', async () => {
    const ctl = new AbortController();
    ctl.abort();
    const g = client({ caller: { cloud: 'public', credential: { kind: 'interactive', account: 'adm-alice@contoso.example' }, signal: ctl.signal } });
    expect((await pgEntraFailure(g.get('/v1.0/things', Value))).code).toBe('sign_in_cancelled');
    expect(tokens.calls).toEqual([]);
    expect(graph.requests).toEqual([]);
  });
});

describe('Graph’s clock', () => {
  it('is read from the Date header of its answers', async () => {
    const behind = Date.now() - 3_600_000;
    graph.handle((_req, res) => json(res, 200, { value: [] }, { date: new Date(behind).toUTCString() }));
    const g = client();
    expect(g.serverNow()).toBeUndefined();
    await g.get('/v1.0/things', Value);
    expect(Math.abs((g.serverNow() ?? 0) - behind)).toBeLessThan(5_000);
  });
});
