// What every `pgentra` command receives: I/O streams, environment, data dir, the global
// options and lazily-created services. Commands never touch process.* directly, so they run
// in-process in tests and can be reused by other front ends.
import type { Logger } from '../log/logger.js';
import type { TokenBroker } from '../auth/tokenBroker.js';
import type { PimService } from '../pim/pimService.js';

export interface OutputStream {
  write(chunk: string): unknown;
}

export interface GlobalOptions {
  /** `public` | `usgov` | `china` | path of a custom cloud file (--cloud, PGENTRA_CLOUD_FILE). */
  cloud: string;
  /** --memory-cache: keep tokens in memory only for this run. */
  memoryCache: boolean;
  /** --client-id: public client application id for sign-in (default: the Azure CLI's). */
  clientId?: string;
  verbose: boolean;
}

export interface CliServices {
  logger: Logger;
  /** The token broker, created on first use (loads the auth stack). */
  broker(): Promise<TokenBroker>;
  /** PIM for Groups through Microsoft Graph for a cloud ref, over the broker and its proxy settings (loaded on first use). */
  pim(cloud: string): Promise<PimService>;
  /** Opens a URL in the user's browser; resolves false when none could be opened. */
  openBrowser(url: string): Promise<boolean>;
}

export interface CliContext {
  stdout: OutputStream;
  stderr: OutputStream;
  /** Standard input, for values given as `-` (pim activate --reason-file -). */
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
  dataDir: string;
  global: GlobalOptions;
  services: CliServices;
  /** Aborted on Ctrl+C. */
  signal: AbortSignal;
}
