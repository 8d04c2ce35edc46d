// Browser helpers for tests and demos: a scripted "browser" over plain HTTPS that follows the
// simulator's sign-in pages (chooser, approval steps, form_post) directly or through a corporate
// proxy, and a real Chromium driven by playwright-core.
import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { checkServerIdentity, connect as tlsConnect, type PeerCertificate, type TLSSocket } from 'node:tls';

interface Reply {
  status: number;
  body: string;
}

/** Where to send HTTPS requests for public host names when no /etc/hosts maps them to the simulator. */
export interface ConnectTo {
  address: string;
  port: number;
}

/**
 * Options for an HTTPS request to `u`, trusting the simulator's CA. With `connectTo` the request
 * goes there but keeps its Host header and SNI (the simulator answers as that host); the
 * certificate is then checked as the simulator's own (issued for localhost).
 */
export function httpsOptions(
  u: URL,
  caCertPem: string,
  connectTo?: ConnectTo,
): RequestOptions & { ca: string; servername?: string; checkServerIdentity?: (host: string, cert: PeerCertificate) => Error | undefined } {
  if (!connectTo) return { ca: caCertPem };
  return {
    ca: caCertPem,
    hostname: connectTo.address, // a URL's hostname would otherwise win over host
    host: connectTo.address,
    port: connectTo.port,
    servername: u.hostname,
    headers: { host: u.host },
    checkServerIdentity: (_host, cert) => checkServerIdentity('localhost', cert),
  };
}

/** PEM certificate(s) a request trusts: node:tls's `ca` (it replaces the default roots). */
export type Trust = string | readonly string[];

/** How a request reaches HTTPS hosts: directly, at `connectTo`, or through an HTTP proxy (CONNECT). */
export interface Route {
  connectTo?: ConnectTo;
  /** `http://[user:pass@]host:port`: HTTPS goes through a CONNECT tunnel there (credentials as Basic). */
  proxy?: string;
}

/** A CONNECT tunnel through `proxy` to host:port, as browsers and curl open one. */
function openTunnel(proxy: URL, host: string, port: number): Promise<Socket> {
  const headers: Record<string, string> = { host: `${host}:${port}` };
  if (proxy.username) {
    headers['proxy-authorization'] = `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}`;
  }
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: proxy.hostname, port: proxy.port || 80, method: 'CONNECT', path: `${host}:${port}`, headers, agent: false });
    // Node emits 'connect' for every answer to a CONNECT, 407 and 403 included.
    req.once('connect', (res, socket, head) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        reject(new Error(`the proxy ${proxy.host} answered CONNECT ${host}:${port} with HTTP ${res.statusCode ?? '?'} ${res.statusMessage ?? ''}`.trim()));
        return;
      }
      if (head.length) socket.unshift(head);
      resolve(socket);
    });
    req.once('error', reject);
    req.end();
  });
}

/** TLS to `u`'s host over a proxy tunnel, verified with `trust` as a browser verifies it. */
async function tlsThroughProxy(u: URL, proxy: URL, trust: Trust): Promise<TLSSocket> {
  const port = Number(u.port || 443);
  const socket = await openTunnel(proxy, u.hostname, port);
  return new Promise((resolve, reject) => {
    const tls = tlsConnect({ socket, servername: u.hostname, ca: typeof trust === 'string' ? trust : [...trust], ALPNProtocols: ['http/1.1'] }, () => resolve(tls));
    tls.once('error', reject);
  });
}

async function send(url: string, method: 'GET' | 'POST', trust: Trust, form?: Record<string, string>, route: Route = {}): Promise<Reply> {
  const u = new URL(url);
  const body = form ? new URLSearchParams(form).toString() : undefined;
  const headers: Record<string, string> = { accept: 'text/html' };
  if (body !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    headers['content-length'] = String(Buffer.byteLength(body));
  }
  // Only HTTPS goes through the proxy: the app's loopback redirect is plain HTTP.
  const proxy = route.proxy && u.protocol === 'https:' ? new URL(route.proxy) : undefined;
  const tunnel = proxy ? await tlsThroughProxy(u, proxy, trust) : undefined;
  return new Promise((resolve, reject) => {
    const onResponse = (res: import('node:http').IncomingMessage): void => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    };
    let req;
    if (tunnel) {
      // HTTP/1.1 over the tunnel's TLS socket: the request keeps the URL's Host.
      req = httpRequest({ method, path: `${u.pathname}${u.search}`, headers: { ...headers, host: u.host, connection: 'close' }, createConnection: () => tunnel }, onResponse);
    } else if (u.protocol === 'https:') {
      const tls = httpsOptions(u, '', route.connectTo);
      req = httpsRequest(u, { ...tls, ca: typeof trust === 'string' ? trust : [...trust], method, headers: { ...headers, ...tls.headers }, agent: false }, onResponse);
    } else {
      req = httpRequest(u, { method, headers, agent: false }, onResponse);
    }
    req.on('error', reject);
    req.end(body);
  });
}

function unescapeHtml(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|#39);/g, (_m, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e] ?? _m);
}

interface SubmitButton {
  name?: string;
  value: string;
  label: string;
}

interface ParsedForm {
  action: string;
  fields: Record<string, string>;
  /** Text inputs by name (a person would type into them). */
  textInputs: string[];
  /** Checkboxes: name and the value they send when ticked. */
  checkboxes: { name: string; value: string }[];
  buttons: SubmitButton[];
}

const attr = (attrs: string, name: string): string | undefined => {
  const v = new RegExp(`\\b${name}="([^"]*)"`, 'i').exec(attrs)?.[1];
  return v === undefined ? undefined : unescapeHtml(v);
};

/** The forms of a page, with their hidden inputs and submit buttons (enough for the simulator's own pages). */
export function parseForms(html: string): ParsedForm[] {
  const forms: ParsedForm[] = [];
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const attrs = m[1] ?? '';
    const inner = m[2] ?? '';
    const action = attr(attrs, 'action');
    if (action === undefined) continue;
    const fields: Record<string, string> = {};
    const textInputs: string[] = [];
    const checkboxes: { name: string; value: string }[] = [];
    const buttons: SubmitButton[] = [];
    for (const i of inner.matchAll(/<input\b([^>]*)>/gi)) {
      const a = i[1] ?? '';
      const type = (attr(a, 'type') ?? 'text').toLowerCase();
      const name = attr(a, 'name');
      if (type === 'hidden' && name !== undefined) fields[name] = attr(a, 'value') ?? '';
      else if (type === 'submit') buttons.push({ ...(name !== undefined ? { name } : {}), value: attr(a, 'value') ?? '', label: attr(a, 'value') ?? '' });
      else if (type === 'checkbox' && name !== undefined) checkboxes.push({ name, value: attr(a, 'value') ?? 'on' });
      else if (name !== undefined && type !== 'radio') textInputs.push(name);
    }
    for (const b of inner.matchAll(/<button\b([^>]*)>([\s\S]*?)<\/button>/gi)) {
      const a = b[1] ?? '';
      if ((attr(a, 'type') ?? 'submit').toLowerCase() !== 'submit') continue;
      const name = attr(a, 'name');
      buttons.push({ ...(name !== undefined ? { name } : {}), value: attr(a, 'value') ?? '', label: unescapeHtml((b[2] ?? '').replace(/<[^>]*>/g, '').trim()) });
    }
    forms.push({ action, fields, textInputs, checkboxes, buttons });
  }
  return forms;
}

function alertText(html: string): string {
  const m = /role="alert">([\s\S]*?)</.exec(html);
  return m?.[1] ? unescapeHtml(m[1]) : html.slice(0, 300);
}

/**
 * Words on a button a person would not press to go on. ("Back" is pressed: on Entra's refusal
 * pages it is the way the error reaches the app.)
 */
const STOP = /\b(cancel|decline|deny|no|sign out|not now|skip)\b/i;
/** More pages than the simulator shows in one sign-in (chooser, MFA approval, …): a loop. */
const MAX_PAGES = 6;

export interface HeadlessSignInOptions extends Route {
  /** What the browser trusts: the simulator's CA, or the OS store plus NODE_EXTRA_CA_CERTS (see test/sim/simBrowser.ts). */
  caCertPem: Trust;
  /** The account to pick on the chooser (not needed when the simulator auto-approves). */
  upn?: string;
  /** Tick the chooser's "Approve with MFA" (do MFA although nothing asks for it). */
  approveWithMfa?: boolean;
}

/**
 * Signs in without a browser: GET the authorize URL, then press on through the pages Entra shows
 * as a person would — the account chooser (pick `upn`), an approval step such as MFA (its
 * continue/approve button) — until the form_post page, whose fields it POSTs to the app's
 * loopback redirect URI. Resolves with the loopback's reply body. HTTPS goes directly, to
 * `connectTo` (see httpsOptions) or through `proxy`; the loopback always directly.
 */
export async function completeSignInHeadless(authorizeUrl: string, opts: HeadlessSignInOptions): Promise<string> {
  const route: Route = { ...(opts.connectTo ? { connectTo: opts.connectTo } : {}), ...(opts.proxy ? { proxy: opts.proxy } : {}) };
  let page = await send(authorizeUrl, 'GET', opts.caCertPem, undefined, route);
  let picked = false;
  for (let shown = 1; !page.body.includes('name="hiddenform"'); shown++) {
    const forms = parseForms(page.body);
    if (page.status !== 200 || forms.length === 0 || shown > MAX_PAGES) throw new Error(`sign-in ${shown === 1 ? 'page error' : 'failed'} (HTTP ${page.status}): ${alertText(page.body)}`);
    const chooser = forms.find((f) => f.fields.ctx !== undefined && (f.textInputs.includes('upn') || f.buttons.some((b) => b.name === 'upn')));
    if (chooser) {
      if (!opts.upn) throw new Error('the account chooser is shown (no autoApprove): pass a upn');
      // The chooser again after a pick: Entra refused that account (its error is on the page).
      if (picked) throw new Error(`sign-in failed (HTTP ${page.status}): ${alertText(page.body)}`);
      picked = true;
      const mfa = opts.approveWithMfa ? chooser.checkboxes.find((c) => c.name === 'mfa') : undefined;
      page = await send(chooser.action, 'POST', opts.caCertPem, { ...chooser.fields, ...(mfa ? { [mfa.name]: mfa.value } : {}), upn: opts.upn }, route);
      continue;
    }
    // Any other page with a way forward (an MFA approval, a "stay signed in?"): press it.
    const next = forms.flatMap((f) => f.buttons.filter((b) => !STOP.test(b.label)).map((b) => ({ form: f, button: b })))[0];
    if (!next) throw new Error(`sign-in stopped on a page with no way forward (HTTP ${page.status}): ${alertText(page.body)}`);
    const fields = { ...next.form.fields, ...(next.button.name ? { [next.button.name]: next.button.value } : {}) };
    page = await send(next.form.action, 'POST', opts.caCertPem, fields, route);
  }
  const post = parseForms(page.body)[0];
  if (!post) throw new Error('form_post page without a form');
  const reply = await send(post.action, 'POST', opts.caCertPem, post.fields);
  if (reply.status !== 200) throw new Error(`loopback redirect answered HTTP ${reply.status}: ${reply.body}`);
  return reply.body;
}

/**
 * Signs in with Debian's Chromium: opens the authorize URL, clicks "Sign in as <upn>" on the
 * chooser (unless auto-approve already answered; `approveWithMfa` ticks that box first), approves
 * the MFA and consent steps that follow, and waits for the loopback redirect.
 */
export async function signInWithChromium(authorizeUrl: string, upn: string, opts: { timeoutMs?: number; approveWithMfa?: boolean } = {}): Promise<void> {
  const { chromium } = await import('playwright-core');
  const timeout = opts.timeoutMs ?? 30_000;
  const redirect = new URL(authorizeUrl).searchParams.get('redirect_uri');
  if (!redirect) throw new Error('authorize URL has no redirect_uri');
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    const reached = page.waitForURL((u) => u.href.startsWith(redirect), { timeout, waitUntil: 'commit' }).then(() => 'done' as const);
    reached.catch(() => undefined);
    await page.goto(authorizeUrl, { timeout });
    const account = page.getByRole('button', { name: `Sign in as ${upn}`, exact: true });
    const clicked = (opts.approveWithMfa ? page.getByLabel('Approve with MFA', { exact: true }).check({ timeout }) : Promise.resolve())
      .then(() => account.click({ timeout }))
      .then(() => 'clicked' as const);
    clicked.catch(() => undefined);
    try {
      if ((await Promise.race([reached, clicked])) === 'clicked') {
        // The steps after the account (MFA approval, consent): a person approves each, once.
        const steps: Record<string, string> = { 'Approve sign in request': 'Approve', 'Permissions requested': 'Accept' };
        const heading = page.getByRole('heading', { name: new RegExp(`^(${Object.keys(steps).join('|')})$`) });
        const next = (): Promise<'done' | 'step'> => Promise.race([reached, heading.waitFor({ timeout }).then(() => 'step' as const)]);
        while ((await next()) === 'step') {
          const title = await heading.innerText();
          await page.getByRole('button', { name: steps[title] ?? '', exact: true }).click({ timeout });
          await page.getByRole('heading', { name: title, exact: true }).waitFor({ state: 'detached', timeout });
        }
      }
    } catch (e) {
      const text = await page
        .locator('body')
        .innerText()
        .catch(() => '');
      throw new Error(`Chromium sign-in did not reach ${redirect}: ${e instanceof Error ? e.message : String(e)}\nPage: ${text.slice(0, 500)}`, { cause: e });
    }
  } finally {
    await browser.close();
  }
}
