// The pages of the steps after the account is picked, modelled on Entra's: "Approve sign in
// request" (MFA), "Permissions requested" (consent), and the Conditional Access refusals with their
// "Troubleshooting details". Each step's form carries a hidden `step` so scripted browsers find it.
import { randomUUID } from 'node:crypto';
import { permissionDescription } from './graphPermissions.js';
import { esc, layout } from './pages.js';

/** Hidden fields that bring the next POST back to the sign-in it belongs to (`ctx`, or the device code's `otc`+`upn`). */
export type Carry = Record<string, string>;

function hidden(fields: Carry): string {
  return Object.entries(fields)
    .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`)
    .join('');
}

function stepForm(action: string, carry: Carry, step: string, buttons: { decision: string; label: string; primary?: boolean }[]): string {
  const b = buttons.map((x) => `<button type="submit" name="decision" value="${esc(x.decision)}"${x.primary ? ' class="primary"' : ''}>${esc(x.label)}</button>`).join(' ');
  return `<form method="post" action="${esc(action)}">${hidden({ ...carry, step })}<p>${b}</p></form>`;
}

export interface MfaPageInput {
  action: string;
  carry: Carry;
  upn: string;
}

/** Entra's number-matching push, simulated: the person approves (or denies) on "their phone", here. */
export function mfaPage(p: MfaPageInput): string {
  const number = String(10 + Math.floor(Math.random() * 90));
  return layout(
    'Approve sign in request',
    `<h1>Approve sign in request</h1>
<p class="muted">${esc(p.upn)}</p>
<p role="status">Open your Authenticator app, and enter the number shown to sign in.</p>
<p aria-label="Number to enter in the Authenticator app" style="font-size:2rem;font-weight:600">${number}</p>
${stepForm(p.action, p.carry, 'mfa', [
  { decision: 'approve', label: 'Approve', primary: true },
  { decision: 'decline', label: 'Deny' },
])}`,
  );
}

export interface ConsentPageInput {
  action: string;
  carry: Carry;
  upn: string;
  appName: string;
  resource: string;
  /** Microsoft Graph permissions asked for (listed by what they allow); none: access to the resource as such. */
  permissions?: readonly string[];
}

export function consentPage(p: ConsentPageInput): string {
  const asked = p.permissions?.length ? p.permissions.map((x) => `<li>${esc(permissionDescription(x))} (${esc(x)})</li>`).join('') : `<li>Access ${esc(p.resource)} as you</li>`;
  return layout(
    'Permissions requested',
    `<h1>Permissions requested</h1>
<p class="muted">${esc(p.upn)}</p>
<p>${esc(p.appName)} needs permission to:</p>
<ul aria-label="Permissions">${asked}<li>Maintain access to data you have given it access to</li></ul>
<p class="muted">Accepting these permissions means that you allow this app to use your data.</p>
${stepForm(p.action, p.carry, 'consent', [
  { decision: 'accept', label: 'Accept', primary: true },
  { decision: 'cancel', label: 'Cancel' },
])}`,
  );
}

export interface TroublePageInput {
  title: string;
  message: string;
  errorCode: number;
  appName: string;
  appId: string;
  correlationId?: string;
  /** Extra troubleshooting lines (device state, …). */
  extra?: Record<string, string>;
  /** A way back to the app (Entra's links that post the refusal back); none = the app keeps waiting. */
  back?: { action: string; carry: Carry; step: string; label: string };
}

/** A refusal shown on the page with Entra's "Troubleshooting details". */
export function troublePage(p: TroublePageInput): string {
  const details: Record<string, string> = {
    'Error Code': String(p.errorCode),
    'Request Id': randomUUID(),
    'Correlation Id': p.correlationId ?? randomUUID(),
    Timestamp: new Date().toISOString(),
    'App name': p.appName,
    'App id': p.appId,
    'Device platform': 'Linux',
    ...p.extra,
  };
  const dl = Object.entries(details)
    .map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`)
    .join('');
  return layout(
    p.title,
    `<h1>${esc(p.title)}</h1>
<p class="error" role="alert">${esc(p.message)} Error Code: ${p.errorCode}</p>
<dl aria-label="Troubleshooting details">${dl}</dl>
${p.back ? stepForm(p.back.action, p.back.carry, p.back.step, [{ decision: 'back', label: p.back.label, primary: true }]) : ''}`,
  );
}
