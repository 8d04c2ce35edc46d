// Test support: the auth-code + PKCE, refresh and device-code grants as raw HTTPS (no MSAL), so a
// test sees every page and JSON body the simulator answers, and can play the person on each page.
import { createHash, randomBytes } from 'node:crypto';
import { AZURE_CLI_CLIENT_ID } from '../types.js';
import { parseForms } from './browser.js';
import type { EntraSim } from './index.js';
import { httpsText } from './support.js';

export const REDIRECT = 'http://localhost:5999';

export interface Page {
  status: number;
  body: string;
}

export interface Started {
  page: Page;
  verifier: string;
}

export interface AuthorizeOptions {
  scope: string;
  clientId?: string;
  claims?: string;
  tenant?: string;
}

/** GETs the authorize URL; the first page (chooser, or form_post/refusal under auto-approve). */
export async function startSignIn(sim: EntraSim, ca: string, o: AuthorizeOptions): Promise<Started> {
  const verifier = randomBytes(32).toString('base64url');
  const q = new URLSearchParams({
    client_id: o.clientId ?? AZURE_CLI_CLIENT_ID,
    redirect_uri: REDIRECT,
    response_type: 'code',
    response_mode: 'form_post',
    scope: `${o.scope} openid profile offline_access`,
    state: 'st-1',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    prompt: 'select_account',
    ...(o.claims ? { claims: o.claims } : {}),
  });
  const page = await httpsText(`${sim.authorityHost}/${o.tenant ?? sim.tenantId}/oauth2/v2.0/authorize?${q.toString()}`, ca);
  return { page, verifier };
}

export function h1(page: Page): string {
  return /<h1>([\s\S]*?)<\/h1>/.exec(page.body)?.[1] ?? '';
}

export function isFormPost(page: Page): boolean {
  return page.body.includes('name="hiddenform"');
}

/** The fields a form_post page would send to the app. */
export function postedFields(page: Page): Record<string, string> {
  if (!isFormPost(page)) throw new Error(`not a form_post page: ${h1(page)} ${page.body.slice(0, 300)}`);
  return parseForms(page.body)[0]?.fields ?? {};
}

/** Picks `upn` on the chooser, optionally ticking "Approve with MFA". */
export async function pickAccount(ca: string, chooser: Page, upn: string, opts: { mfa?: boolean } = {}): Promise<Page> {
  const form = parseForms(chooser.body).find((f) => f.fields.ctx !== undefined);
  if (!form) throw new Error(`no chooser: ${h1(chooser)}`);
  return httpsText(form.action, ca, { form: { ctx: form.fields.ctx ?? '', upn, ...(opts.mfa ? { mfa: '1' } : {}) } });
}

/** Presses the button with `decision` on a step page (MFA, consent, a refusal's back link). */
export async function decide(ca: string, page: Page, decision: string): Promise<Page> {
  const form = parseForms(page.body).find((f) => f.fields.step !== undefined);
  if (!form) throw new Error(`no step form on "${h1(page)}"`);
  return httpsText(form.action, ca, { form: { ...form.fields, decision } });
}

export interface TokenReply {
  status: number;
  json: Record<string, unknown>;
}

export async function tokenRequest(sim: EntraSim, ca: string, form: Record<string, string>, tenant?: string): Promise<TokenReply> {
  const r = await httpsText(`${sim.authorityHost}/${tenant ?? sim.tenantId}/oauth2/v2.0/token`, ca, { form: { client_id: AZURE_CLI_CLIENT_ID, ...form } });
  return { status: r.status, json: JSON.parse(r.body) as Record<string, unknown> };
}

export function redeem(sim: EntraSim, ca: string, code: string, verifier: string, scope: string, claims?: string): Promise<TokenReply> {
  return tokenRequest(sim, ca, {
    grant_type: 'authorization_code',
    code,
    code_verifier: verifier,
    redirect_uri: REDIRECT,
    scope: `${scope} openid offline_access`,
    ...(claims ? { claims } : {}),
  });
}

export function refresh(sim: EntraSim, ca: string, refreshToken: string, scope: string, claims?: string): Promise<TokenReply> {
  return tokenRequest(sim, ca, { grant_type: 'refresh_token', refresh_token: refreshToken, scope: `${scope} openid offline_access`, ...(claims ? { claims } : {}) });
}

/** Signs `upn` in (no MFA asked), redeems the code: the grant's first tokens. */
export async function signInAndRedeem(sim: EntraSim, ca: string, upn: string, scope: string): Promise<TokenReply> {
  const s = await startSignIn(sim, ca, { scope });
  const posted = postedFields(await pickAccount(ca, s.page, upn));
  return redeem(sim, ca, posted.code ?? '', s.verifier, scope);
}

export function claimsOf(token: unknown): Record<string, unknown> {
  const p = String(token).split('.')[1] ?? '';
  return JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** MSAL's merge of a step-up with the client capability CP1 (what it sends on /authorize and /token). */
export function withCp1(claims: object): string {
  const c = claims as { access_token?: object };
  return JSON.stringify({ ...c, access_token: { xms_cc: { values: ['CP1'] }, ...c.access_token } });
}

export const P1_CLAIMS = { access_token: { acrs: { essential: true, values: ['p1'] } } };
