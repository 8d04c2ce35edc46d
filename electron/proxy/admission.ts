// What a connection may hold, decided when it is accepted — before it costs anything. The owner's
// connections (the Unix socket, or a TCP peer the kernel names as the proxy's own OS user) and
// clients that have given the local password count against --max-clients. Clients that still have
// to give the password wait outside that limit, in a pool bounded per source (an OS user where
// Linux shows it, else an address; IPv6 per /64, which one site usually holds) and in total, so no
// single user or address — nor all of them together — can take the owner's capacity. Where no OS
// user is known, every loopback address is one source: any local program can bind 127.x.y.z, so
// counting each address apart would give every local user as many pools as it likes.
import { isIPv4, isIPv6 } from 'node:net';

/** Clients of one source that may be waiting to authenticate at once. */
export function defaultPreAuthPerSource(maxClients: number): number {
  return Math.max(2, Math.ceil(maxClients / 4));
}

function ipv6Groups(ip: string): string[] | undefined {
  const a = ip.toLowerCase().replace(/%.*$/, '');
  if (!isIPv6(a)) return undefined;
  const [head, tail] = a.includes('::') ? (a.split('::') as [string, string]) : [a, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  // An embedded IPv4 tail counts as two groups.
  const groupCount = (g: string[]) => g.reduce((n, x) => n + (x.includes('.') ? 2 : 1), 0);
  const full = tail === undefined ? h : [...h, ...Array<string>(8 - groupCount(h) - groupCount(t)).fill('0'), ...t];
  return full.map((g) => (g.includes('.') ? g : (parseInt(g || '0', 16) || 0).toString(16)));
}

/** All loopback clients whose OS user is unknown (macOS, Windows): one source. */
export const LOOPBACK_SOURCE = 'loopback';
export const UNIX_SOCKET_SOURCE = 'unix-socket';

function isLoopbackIp(ip: string): boolean {
  if (isIPv4(ip)) return ip.startsWith('127.');
  const g = ipv6Groups(ip);
  if (!g) return false;
  if (g.slice(0, 7).every((x) => x === '0') && g[7] === '1') return true; // ::1
  // IPv4-mapped 127.0.0.0/8 written in hex groups (::ffff:7f00:1).
  return g.slice(0, 5).every((x) => x === '0') && g[5] === 'ffff' && (g[6] as string).padStart(4, '0').startsWith('7f');
}

/**
 * The source a connection is accounted to: `uid:N` when the OS user is known; otherwise `loopback`
 * for any loopback address (127.0.0.0/8, ::1, IPv4-mapped 127.*), a remote IPv4 address as is
 * (also when IPv4-mapped), a remote IPv6 address as its /64 (one host can use a whole /64).
 */
export function sourceOf(remoteAddress: string | undefined, uid: number | undefined): string {
  if (uid !== undefined) return `uid:${uid}`;
  if (!remoteAddress) return UNIX_SOCKET_SOURCE;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(remoteAddress);
  const ip = mapped ? (mapped[1] as string) : remoteAddress;
  if (isLoopbackIp(ip)) return LOOPBACK_SOURCE;
  if (isIPv4(ip)) return ip;
  const g = ipv6Groups(ip);
  return g ? `${g.slice(0, 4).join(':')}::/64` : ip;
}

/** A source on this machine (an OS user, loopback, the Unix socket): never refused for the back-off's size. */
export function isLocalSource(source: string): boolean {
  return source.startsWith('uid:') || source === LOOPBACK_SOURCE || source === UNIX_SOCKET_SOURCE;
}

/** A source several parties may share (an address), as opposed to one OS user. */
export function isSharedSource(source: string): boolean {
  return !source.startsWith('uid:') && source !== UNIX_SOCKET_SOURCE;
}

export interface Ticket {
  /** Counted against --max-clients (the owner's, or authenticated). */
  readonly counted: boolean;
  /** After the password: moves the connection into --max-clients; false when it is full. */
  promote(): boolean;
  /**
   * Keeps the place taken until `until` settles, even when the connection is released earlier: a
   * held wrong-password answer occupies its pool place for its whole delay (passwordBackoff.ts).
   */
  holdUntil(until: Promise<unknown>): void;
  /** The connection is gone. Idempotent. */
  release(): void;
}

export type Admitted = { ok: true; ticket: Ticket } | { ok: false; why: 'max-clients' | 'source-limit' | 'pre-auth-limit' };

export class Admission {
  private counted = 0;
  private preAuthTotal = 0;
  private readonly preAuth = new Map<string, number>();

  constructor(
    readonly maxClients: number,
    readonly preAuthPerSource = defaultPreAuthPerSource(maxClients),
    /** Clients waiting to authenticate, all sources together. */
    readonly preAuthMax = maxClients,
  ) {}

  get countedNow(): number {
    return this.counted;
  }

  preAuthOf(source: string): number {
    return this.preAuth.get(source) ?? 0;
  }

  /** The owner's connection (or one that needs no authentication): a --max-clients slot or nothing. */
  admitCounted(): Admitted {
    if (this.counted >= this.maxClients) return { ok: false, why: 'max-clients' };
    this.counted++;
    return { ok: true, ticket: this.ticket(true, undefined) };
  }

  /** A client that must give the password first: a place in its source's pre-authentication pool. */
  admitPreAuth(source: string): Admitted {
    if (this.preAuthOf(source) >= this.preAuthPerSource) return { ok: false, why: 'source-limit' };
    if (this.preAuthTotal >= this.preAuthMax) return { ok: false, why: 'pre-auth-limit' };
    this.preAuth.set(source, this.preAuthOf(source) + 1);
    this.preAuthTotal++;
    return { ok: true, ticket: this.ticket(false, source) };
  }

  private leavePreAuth(source: string): void {
    const n = this.preAuthOf(source) - 1;
    if (n > 0) this.preAuth.set(source, n);
    else this.preAuth.delete(source);
    this.preAuthTotal--;
  }

  private ticket(counted: boolean, source: string | undefined): Ticket {
    let isCounted = counted;
    let waiting = source !== undefined;
    let released = false;
    let held: Promise<unknown> | undefined;
    const free = (): void => {
      if (waiting && source !== undefined) this.leavePreAuth(source);
      waiting = false;
      if (isCounted) this.counted--;
    };
    return {
      get counted() {
        return isCounted;
      },
      promote: () => {
        if (released) return false;
        if (isCounted) return true;
        if (waiting && source !== undefined) {
          this.leavePreAuth(source);
          waiting = false;
        }
        if (this.counted >= this.maxClients) return false;
        this.counted++;
        isCounted = true;
        return true;
      },
      holdUntil: (until) => {
        held = held ? Promise.all([held, until]) : until;
      },
      release: () => {
        if (released) return;
        released = true;
        if (held) void held.then(free, free);
        else free();
      },
    };
  }
}

/**
 * Refusals answered with a PostgreSQL error rather than a reset: a few at a time and a few per
 * second, so a person sees why while a flood costs one reset each.
 */
export class PoliteRefusals {
  private inFlight = 0;
  private tokens: number;
  private last: number;

  constructor(
    private readonly maxInFlight = 4,
    private readonly perSecond = 10,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = perSecond;
    this.last = now();
  }

  /** Whether this refusal may be answered; call `done()` when it is. */
  take(): boolean {
    const t = this.now();
    this.tokens = Math.min(this.perSecond, this.tokens + ((t - this.last) / 1000) * this.perSecond);
    this.last = t;
    if (this.inFlight >= this.maxInFlight || this.tokens < 1) return false;
    this.tokens--;
    this.inFlight++;
    return true;
  }

  done(): void {
    this.inFlight--;
  }
}
