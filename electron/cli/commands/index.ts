// Registry of `pgentra` commands. To add a command group: create electron/cli/commands/<name>.ts
// exporting `command: CommandDefinition` and add one entry here (keep `load` lazy).
import type { CommandEntry } from '../command.js';

export const COMMANDS: CommandEntry[] = [
  { name: 'login', summary: 'Sign in to Microsoft Entra ID (browser or device code)', load: async () => (await import('./login.js')).command },
  { name: 'accounts', summary: 'List signed-in accounts', load: async () => (await import('./accounts.js')).command },
  { name: 'logout', summary: 'Sign out one account or all', load: async () => (await import('./logout.js')).command },
  { name: 'token', summary: 'Print an access token for Azure PostgreSQL (for PGPASSWORD / pgAdmin)', load: async () => (await import('./token.js')).command },
  { name: 'clouds', summary: 'Trust (or list, forget) custom cloud files after checking what they say', load: async () => (await import('./clouds.js')).command },
  { name: 'profiles', summary: 'List, add, show, remove, import and export server profiles', load: async () => (await import('./profiles.js')).command },
  { name: 'export', summary: 'Export profiles for pgAdmin (password command) or pg_service.conf', load: async () => (await import('./export.js')).command },
  { name: 'import', summary: 'Import servers from a pgAdmin 4 export', load: async () => (await import('./import.js')).command },
  { name: 'psql', summary: 'Run psql with a fresh Entra token', load: async () => (await import('./psql.js')).command },
  { name: 'whoami', summary: 'Connect as a profile and show current_user, TLS, account and token claims', load: async () => (await import('./whoami.js')).command },
  { name: 'query', summary: 'Run SQL as a profile and stream the results (table, CSV or JSON Lines)', load: async () => (await import('./query.js')).command },
  { name: 'proxy', summary: 'Local PostgreSQL endpoint that signs in with Entra tokens (no password for clients)', load: async () => (await import('./proxy.js')).command },
  { name: 'servers', summary: 'List the flexible servers an account can see in Azure, or show one with its Entra admins', load: async () => (await import('./servers.js')).command },
  { name: 'pim', summary: 'PIM for Groups: eligible and active memberships, activate one and connect', load: async () => (await import('./pim.js')).command },
  { name: 'firewall', summary: "Allow your IP address through a server's firewall (after confirmation)", load: async () => (await import('./firewall.js')).command },
  { name: 'settings', summary: 'Show or change settings: trusting the OS certificate store, client id per cloud', load: async () => (await import('./settings.js')).command },
  { name: 'env', summary: 'Print libpq environment variables for a profile', load: async () => (await import('./env.js')).command },
];
