// Browser helpers for tests and demos: a scripted "browser" over plain HTTPS that follows the
// chooser and form_post pages, and a real Chromium driven by playwright-core.
import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';

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

function send(url: string, method: 'GET' | 'POST', caCertPem: string, form?: Record<string, string>, connectTo?: ConnectTo): Promise<Reply> {
  const u = new URL(url);
  const body = form ? new URLSearchParams(form).toString() : undefined;
  const headers: Record<string, string> = { accept: 'text/html' };
  if (body !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    headers['content-length'] = String(Buffer.byteLength(body));
  }
  return new Promise((resolve, reject) => {
    const onResponse = (res: import('node:http').IncomingMessage): void => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    };
    let req;
    if (u.protocol === 'https:') {
      const tls = httpsOptions(u, caCertPem, connectTo);
      req = httpsRequest(u, { ...tls, method, headers: { ...headers, ...tls.headers }, agent: false }, onResponse);
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

interface ParsedForm {
  action: string;
  fields: Record<string, string>;
}

/** The forms of a page, with their hidden inputs (enough for the simulator's own pages). */
export function parseForms(html: string): ParsedForm[] {
  const forms: ParsedForm[] = [];
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const attrs = m[1] ?? '';
    const inner = m[2] ?? '';
    const action = /action="([^"]*)"/i.exec(attrs)?.[1];
    if (action === undefined) continue;
    const fields: Record<string, string> = {};
    for (const i of inner.matchAll(/<input\b([^>]*)>/gi)) {
      const a = i[1] ?? '';
      if (!/type="hidden"/i.test(a)) continue;
      const name = /name="([^"]*)"/i.exec(a)?.[1];
      const value = /value="([^"]*)"/i.exec(a)?.[1] ?? '';
      if (name !== undefined) fields[unescapeHtml(name)] = unescapeHtml(value);
    }
    forms.push({ action: unescapeHtml(action), fields });
  }
  return forms;
}

function alertText(html: string): string {
  const m = /role="alert">([\s\S]*?)</.exec(html);
  return m?.[1] ? unescapeHtml(m[1]) : html.slice(0, 300);
}

/**
 * Signs in without a browser: GET the authorize URL (auto-approve, or pick `upn` on the
 * chooser), then POST the form_post fields to the app's loopback redirect URI as a browser
 * would. Resolves with the loopback's reply body. `connectTo`: see httpsOptions.
 */
export async function completeSignInHeadless(authorizeUrl: string, opts: { caCertPem: string; upn?: string; connectTo?: ConnectTo }): Promise<string> {
  let page = await send(authorizeUrl, 'GET', opts.caCertPem, undefined, opts.connectTo);
  let forms = parseForms(page.body);
  if (!page.body.includes('name="hiddenform"')) {
    const chooser = forms.find((f) => f.fields.ctx !== undefined);
    if (page.status !== 200 || !chooser) throw new Error(`sign-in page error (HTTP ${page.status}): ${alertText(page.body)}`);
    if (!opts.upn) throw new Error('the account chooser is shown (no autoApprove): pass a upn');
    page = await send(chooser.action, 'POST', opts.caCertPem, { ctx: chooser.fields.ctx ?? '', upn: opts.upn }, opts.connectTo);
    forms = parseForms(page.body);
    if (!page.body.includes('name="hiddenform"')) throw new Error(`sign-in failed (HTTP ${page.status}): ${alertText(page.body)}`);
  }
  const post = forms[0];
  if (!post) throw new Error('form_post page without a form');
  const reply = await send(post.action, 'POST', opts.caCertPem, post.fields);
  if (reply.status !== 200) throw new Error(`loopback redirect answered HTTP ${reply.status}: ${reply.body}`);
  return reply.body;
}

/**
 * Signs in with Debian's Chromium: opens the authorize URL, clicks "Sign in as <upn>" on the
 * chooser (unless auto-approve already answered) and waits for the loopback redirect.
 */
export async function signInWithChromium(authorizeUrl: string, upn: string, opts: { timeoutMs?: number } = {}): Promise<void> {
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
    const clicked = page
      .getByRole('button', { name: `Sign in as ${upn}`, exact: true })
      .click({ timeout })
      .then(() => 'clicked' as const);
    clicked.catch(() => undefined);
    try {
      if ((await Promise.race([reached, clicked])) === 'clicked') await reached;
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
