// The whoami and query commands as the registry (electron/cli/commands/index.ts) lists them, for
// tests that run them through the dispatcher.
import type { CommandEntry } from '../../../electron/cli/command.js';

export const QUERY_COMMANDS: CommandEntry[] = [
  { name: 'whoami', summary: 'whoami', load: async () => (await import('../../../electron/cli/commands/whoami.js')).command },
  { name: 'query', summary: 'query', load: async () => (await import('../../../electron/cli/commands/query.js')).command },
];
