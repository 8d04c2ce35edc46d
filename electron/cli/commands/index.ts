// Registry of `pgentra` commands. To add a command group: create electron/cli/commands/<name>.ts
// exporting `command: CommandDefinition` and add one entry here (keep `load` lazy).
import type { CommandEntry } from '../command.js';

export const COMMANDS: CommandEntry[] = [
  { name: 'login', summary: 'Sign in to Microsoft Entra ID (browser or device code)', load: async () => (await import('./login.js')).command },
  { name: 'accounts', summary: 'List signed-in accounts', load: async () => (await import('./accounts.js')).command },
  { name: 'logout', summary: 'Sign out one account or all', load: async () => (await import('./logout.js')).command },
  { name: 'token', summary: 'Print an access token for Azure PostgreSQL (for PGPASSWORD / pgAdmin)', load: async () => (await import('./token.js')).command },
];
