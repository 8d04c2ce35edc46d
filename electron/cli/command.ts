// The contract between the dispatcher and a command module. A command group (profiles, query,
// export, psql, proxy …) is one module under electron/cli/commands/ exporting a
// CommandDefinition; it is registered in commands/index.ts with a lazy `load`, so `pgentra token`
// never loads the code of other commands.
import type { ParseArgsConfig } from 'node:util';
import type { CliContext } from './context.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;
export type OptionValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface ParsedArgs {
  values: OptionValues;
  positionals: string[];
}

export interface CommandDefinition {
  name: string;
  /** One line for `pgentra --help`. */
  summary: string;
  /** Full text for `pgentra <name> --help` (usage line, options, examples). */
  help: string;
  /** Command options (the global options are added by the dispatcher). */
  options: OptionSpec;
  /** Runs until stopped (the proxy): the broker then refreshes tokens in the background. */
  longRunning?: boolean;
  /** Sub-commands / operands, e.g. `profiles list`. */
  allowPositionals?: boolean;
  /** Returns the exit code (see exitCodes.ts); throw PgEntraError for failures. */
  run(ctx: CliContext, args: ParsedArgs): Promise<number>;
}

export interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<CommandDefinition>;
}

export function str(v: OptionValues[string]): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function bool(v: OptionValues[string]): boolean {
  return v === true;
}
