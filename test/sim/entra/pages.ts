// The HTML the simulated sign-in service serves. Self-contained (inline CSS only, no external
// resources), labelled controls, and the one inline script Entra's form_post page also has.

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;background:#f2f2f2;color:#1b1b1b;margin:0}
main{max-width:440px;margin:48px auto;background:#fff;padding:32px 40px;box-shadow:0 2px 6px rgba(0,0,0,.2)}
h1{font-size:1.5rem;font-weight:600;margin:0 0 16px}
ul{list-style:none;padding:0;margin:0 0 16px}
li{margin:0 0 8px}
button{font:inherit;padding:8px 12px;border:1px solid #8a8886;background:#fff;color:#1b1b1b;cursor:pointer;width:100%;text-align:left}
button.primary{background:#0067b8;color:#fff;border-color:#0067b8;width:auto;text-align:center}
button:focus-visible,input:focus-visible{outline:2px solid #000;outline-offset:2px}
.who{display:block;font-size:.85rem;color:#555;margin-top:2px}
label{display:block;margin:8px 0 4px}
input[type=text]{font:inherit;width:100%;box-sizing:border-box;padding:6px}
.error{color:#a4262c;border-left:3px solid #a4262c;padding-left:8px}
.muted{color:#555;font-size:.85rem}
.check{display:flex;gap:8px;align-items:center;margin:0 0 12px}
dl{font-size:.85rem;color:#555}dt{font-weight:600}dd{margin:0 0 4px}
`;

export function layout(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title><style>${STYLE}</style></head>
<body><main>${body}</main></body></html>`;
}

export interface AccountChoice {
  upn: string;
  displayName: string;
}

export interface ChooserPageInput {
  action: string;
  ctx: string;
  tenantName: string;
  clientName: string;
  accounts: AccountChoice[];
  prefillUpn?: string;
  error?: string;
}

function accountButtons(accounts: AccountChoice[]): string {
  return accounts
    .map(
      (a) =>
        `<li><button type="submit" name="upn" value="${esc(a.upn)}" aria-describedby="who-${esc(a.upn)}">Sign in as ${esc(a.upn)}</button>` +
        `<span class="who" id="who-${esc(a.upn)}">${esc(a.displayName)}</span></li>`,
    )
    .join('\n');
}

export function chooserPage(p: ChooserPageInput): string {
  // "Approve with MFA": the person may do MFA although nothing asks for it (Entra lets them pick a method).
  const mfa = (id: string, label: string): string => `<p class="check"><input type="checkbox" id="${id}" name="mfa" value="1"><label for="${id}">${label}</label></p>`;
  const list = p.accounts.length
    ? `<form method="post" action="${esc(p.action)}"><input type="hidden" name="ctx" value="${esc(p.ctx)}">
${mfa('mfa-list', 'Approve with MFA')}<ul aria-label="Accounts">${accountButtons(p.accounts)}</ul></form>`
    : '';
  return layout(
    'Sign in to your account',
    `<h1>Pick an account</h1>
<p class="muted">${esc(p.clientName)} wants to sign you in to ${esc(p.tenantName)}.</p>
${p.error ? `<p class="error" role="alert">${esc(p.error)}</p>` : ''}
${list}
<form method="post" action="${esc(p.action)}"><input type="hidden" name="ctx" value="${esc(p.ctx)}">
<fieldset><legend>Use another account</legend>
<label for="other-upn">User principal name</label>
<input type="text" id="other-upn" name="upn" autocomplete="username" required value="${esc(p.prefillUpn ?? '')}">
${mfa('mfa-other', 'Approve with MFA (another account)')}<p><button type="submit" class="primary">Next</button></p></fieldset></form>
<form method="post" action="${esc(p.action)}"><input type="hidden" name="ctx" value="${esc(p.ctx)}">
<button type="submit" name="cancel" value="1" class="primary">Cancel</button></form>`,
  );
}

/** Entra's response_mode=form_post page: a hidden form the browser submits on load. */
export function formPostPage(redirectUri: string, fields: Record<string, string>): string {
  const inputs = Object.entries(fields)
    .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}" />`)
    .join('');
  return `<html><head><title>Working...</title></head><body><form method="POST" name="hiddenform" action="${esc(redirectUri)}">${inputs}<noscript><p>Script is disabled. Click Submit to continue.</p><input type="submit" value="Submit" /></noscript></form><script language="javascript">document.forms[0].submit();</script></body></html>`;
}

export function errorPage(message: string): string {
  return layout(
    'Sign in to your account',
    `<h1>Sign in</h1><p>Sorry, but we're having trouble signing you in.</p>
<p class="error" role="alert">${esc(message)}</p>`,
  );
}

export interface DeviceLoginPageInput {
  action: string;
  accounts: AccountChoice[];
  userCode?: string;
  error?: string;
}

export function deviceLoginPage(p: DeviceLoginPageInput): string {
  return layout(
    'Enter code',
    `<h1>Enter code</h1>
<p class="muted">Enter the code displayed on your app or device, then pick the account to sign in with.</p>
${p.error ? `<p class="error" role="alert">${esc(p.error)}</p>` : ''}
<form method="post" action="${esc(p.action)}">
<label for="otc">Code</label>
<input type="text" id="otc" name="otc" required autocomplete="off" value="${esc(p.userCode ?? '')}">
<ul aria-label="Accounts">${accountButtons(p.accounts)}</ul>
<label for="other-upn">Or another account (user principal name)</label>
<input type="text" id="other-upn" name="other_upn" autocomplete="username">
<p class="check"><input type="checkbox" id="mfa" name="mfa" value="1"><label for="mfa">Approve with MFA</label></p>
<p><button type="submit" name="upn" value="" class="primary">Sign in with this account</button></p>
<p><button type="submit" name="decline" value="1" class="primary">Decline</button></p>
</form>`,
  );
}

export function messagePage(title: string, message: string): string {
  return layout(title, `<h1>${esc(title)}</h1><p role="status">${esc(message)}</p>`);
}
