// Remembers the local port of each profile's proxy (`proxy-ports.json` in the data dir), so the
// connection string a person saved in DBeaver or a .pgpass keeps working next time. Holds port
// numbers only — never a secret.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { PgEntraError } from '../../shared/errors.js';
import { ensurePrivateDir, writeFileAtomic } from '../base/atomicFile.js';

export const PORTS_FILE_NAME = 'proxy-ports.json';
export const FIRST_PROXY_PORT = 6432;
const LAST_PORT = 65535;

const PortSchema = z.number().int().min(1).max(LAST_PORT);
export const PortsFileSchema = z.object({
  version: z.literal(1),
  /** profile id → port */
  ports: z.record(z.string(), PortSchema),
});
export type PortsFile = z.infer<typeof PortsFileSchema>;

/**
 * Pure assignment: a profile keeps its remembered port; a new one gets the lowest port from
 * `first` up that no other profile remembers and that is not in `unavailable` (busy now).
 * Returns the port per profile and the updated map.
 */
export function assignPorts(
  remembered: Readonly<Record<string, number>>,
  profileIds: readonly string[],
  opts: { first?: number; unavailable?: ReadonlySet<number> } = {},
): { ports: Map<string, number>; remembered: Record<string, number> } {
  const first = opts.first ?? FIRST_PROXY_PORT;
  const unavailable = opts.unavailable ?? new Set<number>();
  const next: Record<string, number> = { ...remembered };
  const ports = new Map<string, number>();
  const taken = new Set(Object.values(next));
  for (const id of profileIds) {
    const known = next[id];
    if (known !== undefined) {
      ports.set(id, known);
      continue;
    }
    let p = first;
    while (p <= LAST_PORT && (taken.has(p) || unavailable.has(p))) p++;
    if (p > LAST_PORT) throw new PgEntraError('conflict', `No free local port from ${first} up for the proxy.`, { hint: 'Give one with --port.' });
    next[id] = p;
    taken.add(p);
    ports.set(id, p);
  }
  return { ports, remembered: next };
}

export class PortRegistry {
  readonly file: string;

  constructor(readonly dataDir: string) {
    this.file = path.join(dataDir, PORTS_FILE_NAME);
  }

  /** The remembered ports; an unreadable or invalid file is treated as empty (ports are only a convenience). */
  async load(): Promise<Record<string, number>> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch {
      return {};
    }
    try {
      const parsed = PortsFileSchema.safeParse(JSON.parse(text));
      return parsed.success ? parsed.data.ports : {};
    } catch {
      return {};
    }
  }

  async save(ports: Record<string, number>): Promise<void> {
    await ensurePrivateDir(this.dataDir);
    const body: PortsFile = { version: 1, ports };
    await writeFileAtomic(this.file, JSON.stringify(body, null, 2) + '\n');
  }

  /** Assigns ports for these profiles, remembers them, and returns them. */
  async assign(profileIds: readonly string[], unavailable?: ReadonlySet<number>): Promise<Map<string, number>> {
    const current = await this.load();
    const { ports, remembered } = assignPorts(current, profileIds, unavailable ? { unavailable } : {});
    if (JSON.stringify(remembered) !== JSON.stringify(current)) await this.save(remembered);
    return ports;
  }

  /**
   * Like assign, but a newly assigned port that another program holds right now is skipped (and
   * not remembered). A remembered port is kept even if busy: the proxy's listen error says so,
   * and silently moving it would break connection strings people saved.
   */
  async assignFree(profileIds: readonly string[], address: string): Promise<Map<string, number>> {
    const remembered = await this.load();
    const busy = new Set<number>();
    for (;;) {
      const ports = await this.assign(profileIds, busy);
      const taken: number[] = [];
      for (const id of profileIds) {
        const n = ports.get(id) as number;
        if (remembered[id] === undefined && !(await isPortFree(address, n))) taken.push(n);
      }
      if (taken.length === 0) return ports;
      for (const id of profileIds) if (taken.includes(ports.get(id) as number)) await this.forget(id);
      taken.forEach((n) => busy.add(n));
    }
  }

  /** Forgets a profile's port (e.g. its port turned out to be used by another program). */
  async forget(profileId: string): Promise<void> {
    const current = await this.load();
    if (!(profileId in current)) return;
    delete current[profileId];
    await this.save(current);
  }
}

/** Whether a TCP port can be listened on at `address` right now. */
export function isPortFree(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen({ host: address, port, exclusive: true }, () => s.close(() => resolve(true)));
  });
}
