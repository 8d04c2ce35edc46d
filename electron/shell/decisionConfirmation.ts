// The main process's own confirmation before pgEntra widens where a token may go: a non-Azure
// host, weaker TLS, a custom cloud file, a host from a pgAdmin import, a firewall rule. A native
// message box showing exactly what will be allowed, with Cancel as the default (Enter and Esc
// both cancel). The renderer's editor warns first, but only this dialog records the decision.
import type { TokenTargetDecision } from '../ipc/services.js';
import type { MessageBoxOptions, ShowMessageBox } from './tokenCopyConfirmation.js';

const CONFIRM = 1;

function options(title: string, message: string, detail: string[], confirm: string): MessageBoxOptions {
  return { type: 'warning', title, message, detail: detail.join('\n'), buttons: ['Cancel', confirm], defaultId: 0, cancelId: 0, noLink: true };
}

const REPLAY = 'Whoever runs that server receives your Entra access token and could replay it against every Azure Database for PostgreSQL server you can reach until it expires.';

export function decisionDialogOptions(d: TokenTargetDecision): MessageBoxOptions {
  switch (d.kind) {
    case 'non-azure-host':
      return options(
        'Send your token to a non-Azure host',
        `Send your Entra access token to ${d.host}:${d.port}?`,
        [
          `Profile: ${d.profileName}`,
          `Host: ${d.host}`,
          `Port: ${d.port}`,
          `Cloud: ${d.cloud}`,
          `This host is outside ${d.domains.length ? d.domains.map((x) => `*${x}`).join(', ') : 'every PostgreSQL domain the cloud lists'}.`,
          '',
          REPLAY,
          'The confirmation covers this host and port only: another host or port asks again.',
        ],
        'Send token to this host',
      );
    case 'weaker-tls':
      return options(
        'Use weaker TLS',
        `Connect to ${d.host}:${d.port} with sslmode=${d.sslmode}?`,
        [
          `Profile: ${d.profileName}`,
          `Host: ${d.host}`,
          `Port: ${d.port}`,
          `TLS mode: ${d.sslmode} (instead of verify-full)`,
          '',
          `${d.sslmode} does not check that the certificate belongs to ${d.host}${d.sslmode === 'require' ? ' or that a trusted CA signed it' : ''}: a machine in the middle could receive your token.`,
          'The confirmation covers this host, port and mode only.',
        ],
        `Use ${d.sslmode}`,
      );
    case 'custom-cloud':
      return options(
        'Trust a custom cloud file',
        `Trust the custom cloud file ${d.file}?`,
        [
          `Profile: ${d.profileName}`,
          ...d.lines,
          '',
          'A custom cloud file decides which servers receive your Entra access token and which CA may vouch for them. Trust only a file you wrote or checked yourself.',
          `pgEntra trusts the file as shown (SHA-256 ${d.sha256}); if it changes, it asks again.`,
        ],
        'Trust this file',
      );
    case 'import-host':
      return options(
        'Import a non-Azure host',
        `Import servers on ${d.host} and send them your Entra access token?`,
        [
          `Host: ${d.host}`,
          `Cloud: ${d.cloud}`,
          // The port is part of what a yes covers: another port on this host asks again.
          `Servers in the file on this host: ${d.servers.map((x) => `${x.name} (${d.host}:${x.port})`).join(', ') || d.host}`,
          '',
          REPLAY,
          'The confirmation covers these servers on this host and their ports only.',
        ],
        'Import this host',
      );
    case 'firewall-rule':
      return options(
        'Change the Azure firewall',
        `Add the firewall rule ${d.ruleName} to ${d.server}?`,
        [
          `Profile: ${d.profileName}`,
          `Server: ${d.server} (${d.host})`,
          `Rule name: ${d.ruleName}`,
          `Allowed address: ${d.ip} – ${d.ip}`,
          '',
          'Connections from this address reach the server until the rule is removed in the Azure portal.',
        ],
        'Add rule',
      );
  }
}

export function createDecisionConfirmation(show: ShowMessageBox): (d: TokenTargetDecision) => Promise<boolean> {
  return async (d) => (await show(decisionDialogOptions(d))).response === CONFIRM;
}
