// Issue #23: what one OS user or address may cost the proxy. The per-source password back-off
// (0.5 s doubling to 8 s; every proof checked, a correct one never held, nothing refused
// unchecked), the accounting at accept (the owner's --max-clients never taken by clients still to
// authenticate; each source bounded, a held answer keeping its place), and the refusal log that
// summarizes a flood instead of writing a line per connection.
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../electron/log/logger.js';
import { Admission, defaultPreAuthPerSource, PoliteRefusals, sourceOf } from '../../../electron/proxy/admission.js';
import { BACKOFF_FORGET_MS, backoffKeyOf, PasswordBackoff } from '../../../electron/proxy/passwordBackoff.js';
import { RefusalLog } from '../../../electron/proxy/refusalLog.js';

describe('password back-off, per source', () => {
  it('holds the n-th wrong answer in a row 0.5 s, 1 s, 2 s, 4 s, then 8 s', () => {
    let now = 0;
    const b = new PasswordBackoff({ now: () => now });
    const delays: number[] = [];
    for (let i = 0; i < 7; i++) {
      const d = b.failed('10.0.0.1');
      delays.push(d);
      now += d;
    }
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 8000, 8000]);
    expect(b.consecutiveFailures('10.0.0.1')).toBe(7);
  });

  it('is per source: one guesser does not slow another source down', () => {
    const b = new PasswordBackoff({ now: () => 0 });
    for (let i = 0; i < 5; i++) b.failed('uid:65534');
    expect(b.failed('uid:0')).toBe(500);
    expect(b.failed('uid:0')).toBe(1000);
    expect(b.consecutiveFailures('uid:65534')).toBe(5);
    expect(b.consecutiveFailures('192.0.2.7')).toBe(0);
  });

  it('a correct password resets an OS user, not an address others may share; five quiet minutes forget either', () => {
    let now = 0;
    const b = new PasswordBackoff({ now: () => now });
    b.failed('uid:1000');
    b.failed('uid:1000');
    b.succeeded('uid:1000');
    expect(b.consecutiveFailures('uid:1000')).toBe(0);
    expect(b.failed('uid:1000')).toBe(500);
    // All local clients on macOS/Windows are `loopback`: the owner's success must not give a
    // guesser beside it a fresh start (nor must it anywhere a NAT puts several people).
    for (let i = 0; i < 5; i++) b.failed('loopback');
    b.succeeded('loopback');
    expect(b.failed('loopback')).toBe(8000);
    b.failed('192.0.2.1');
    b.succeeded('192.0.2.1');
    expect(b.consecutiveFailures('192.0.2.1')).toBe(1);
    now = BACKOFF_FORGET_MS + 1;
    expect(b.consecutiveFailures('loopback')).toBe(0);
    expect(b.failed('loopback')).toBe(500);
  });

  it('forgets quiet sources, so its memory stays bounded', () => {
    let now = 0;
    const b = new PasswordBackoff({ now: () => now });
    for (let i = 0; i < 100; i++) b.failed(`10.0.0.${i}`);
    expect(b.size).toBe(100);
    now = BACKOFF_FORGET_MS + 10_000;
    b.failed('10.0.1.1');
    expect(b.size).toBe(1);
  });

  it('when full, new remote addresses are refused, never pooled; OS users, loopback and known addresses always have room', () => {
    let now = 0;
    const b = new PasswordBackoff({ now: () => now, maxRemoteSources: 3 });
    for (const a of ['192.0.2.1', '192.0.2.2', '2001:db8:1:2::/64']) {
      expect(b.hasRoomFor(a)).toBe(true);
      b.failed(a);
    }
    expect(b.hasRoomFor('192.0.2.9')).toBe(false);
    expect(b.hasRoomFor('2001:db8:9::/64')).toBe(false);
    expect(b.hasRoomFor('2001:db8:1:ffff::/64')).toBe(true); // the same /48: already counted
    expect(b.hasRoomFor('192.0.2.1')).toBe(true);
    // The owner's uid (and every local source) keeps its own entry, whatever the remote ones do.
    for (const local of ['uid:1000', 'uid:65534', 'loopback', 'unix-socket']) {
      expect(b.hasRoomFor(local)).toBe(true);
      expect(b.failed(local)).toBe(500);
    }
    expect(b.consecutiveFailures('192.0.2.1')).toBe(1); // nobody shares a count
    now = BACKOFF_FORGET_MS + 1;
    expect(b.hasRoomFor('192.0.2.9')).toBe(true);
  });

  it('counts IPv6 per /48', () => {
    expect(backoffKeyOf('2001:db8:1:2::/64')).toBe('2001:db8:1::/48');
    expect(backoffKeyOf('192.0.2.1')).toBe('192.0.2.1');
    expect(backoffKeyOf('uid:0')).toBe('uid:0');
    const b = new PasswordBackoff({ now: () => 0 });
    b.failed('2001:db8:1:2::/64');
    expect(b.failed('2001:db8:1:3::/64')).toBe(1000);
  });
});

describe('sources', () => {
  it('an OS user where known; else every loopback address is one source; a remote IPv4 as is, IPv6 per /64', () => {
    expect(sourceOf('127.0.0.1', 65534)).toBe('uid:65534');
    for (const lo of ['127.0.0.1', '127.0.0.2', '127.255.1.9', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', '::ffff:127.3.2.1', '::ffff:7f00:1']) expect(sourceOf(lo, undefined), lo).toBe('loopback');
    expect(sourceOf('203.0.113.9', undefined)).toBe('203.0.113.9');
    expect(sourceOf('::ffff:203.0.113.9', undefined)).toBe('203.0.113.9');
    expect(sourceOf('128.0.0.1', undefined)).toBe('128.0.0.1');
    expect(sourceOf('2001:db8:1:2:aaaa::1', undefined)).toBe('2001:db8:1:2::/64');
    expect(sourceOf('2001:db8:1:2:bbbb:cccc:dddd:eeee', undefined)).toBe('2001:db8:1:2::/64');
    expect(sourceOf('2001:db8::1', undefined)).toBe('2001:db8:0:0::/64');
    expect(sourceOf('::2', undefined)).toBe('0:0:0:0::/64');
    expect(sourceOf(undefined, undefined)).toBe('unix-socket');
  });
});

describe('admission: --max-clients and the pools of clients still to authenticate', () => {
  it('clients still to give the password never take the owner’s --max-clients', () => {
    const a = new Admission(4);
    // Another user's (or address's) idle connections fill only its own pool…
    const idle = [];
    for (;;) {
      const r = a.admitPreAuth('uid:65534');
      if (!r.ok) {
        expect(r.why).toBe('source-limit');
        break;
      }
      idle.push(r.ticket);
    }
    expect(idle).toHaveLength(defaultPreAuthPerSource(4));
    // …and the owner still gets every one of its slots.
    const owner = [1, 2, 3, 4].map(() => a.admitCounted());
    expect(owner.every((r) => r.ok)).toBe(true);
    expect(a.admitCounted()).toEqual({ ok: false, why: 'max-clients' });
    // Another source has its own allowance.
    expect(a.admitPreAuth('192.0.2.1').ok).toBe(true);
  });

  it('the pools are bounded in total too, and a released place is usable again', () => {
    const a = new Admission(4, 3, 5);
    const t = [a.admitPreAuth('a'), a.admitPreAuth('a'), a.admitPreAuth('a'), a.admitPreAuth('b'), a.admitPreAuth('c')];
    expect(t.every((r) => r.ok)).toBe(true);
    expect(a.admitPreAuth('a')).toEqual({ ok: false, why: 'source-limit' });
    expect(a.admitPreAuth('d')).toEqual({ ok: false, why: 'pre-auth-limit' });
    const first = t[0];
    if (!first?.ok) throw new Error('unreachable');
    first.ticket.release();
    first.ticket.release(); // idempotent
    expect(a.preAuthOf('a')).toBe(2);
    expect(a.admitPreAuth('d').ok).toBe(true);
  });

  it('after the password a client moves into --max-clients, if there is room', () => {
    const a = new Admission(1, 2, 4);
    const remote = a.admitPreAuth('192.0.2.1');
    const other = a.admitPreAuth('192.0.2.2');
    if (!remote.ok || !other.ok) throw new Error('unreachable');
    expect(remote.ticket.promote()).toBe(true);
    expect(remote.ticket.counted).toBe(true);
    expect(a.countedNow).toBe(1);
    expect(a.preAuthOf('192.0.2.1')).toBe(0);
    expect(other.ticket.promote()).toBe(false); // full: refused with 53300, and out of its pool
    expect(a.preAuthOf('192.0.2.2')).toBe(0);
    other.ticket.release();
    remote.ticket.release();
    expect(a.countedNow).toBe(0);
    expect(a.admitCounted().ok).toBe(true);
  });

  it('a held wrong answer keeps its pool place for its whole delay, even when the client has left', async () => {
    const a = new Admission(4, 2, 4);
    const t = a.admitPreAuth('loopback');
    if (!t.ok) throw new Error('unreachable');
    let due = (): void => undefined;
    t.ticket.holdUntil(new Promise<void>((r) => (due = r)));
    t.ticket.release(); // the guesser hung up at once
    expect(a.preAuthOf('loopback')).toBe(1);
    due();
    await Promise.resolve();
    await Promise.resolve();
    expect(a.preAuthOf('loopback')).toBe(0);
  });

  it('answers only a few refusals with an error, the rest are reset', () => {
    let now = 0;
    const p = new PoliteRefusals(2, 3, () => now);
    expect([p.take(), p.take(), p.take()]).toEqual([true, true, false]); // two at a time
    p.done();
    p.done();
    expect(p.take()).toBe(true);
    p.done();
    expect(p.take()).toBe(false); // three a second
    now = 1000;
    expect(p.take()).toBe(true);
  });
});

describe('refusal log', () => {
  function capture(): { lines: Array<Record<string, unknown>>; log: RefusalLog; tick: () => void } {
    const lines: Array<Record<string, unknown>> = [];
    const logger = createLogger({ level: 'debug', sinks: [(l) => void lines.push(JSON.parse(l) as Record<string, unknown>)] });
    let fire = (): void => undefined;
    const log = new RefusalLog(logger, {
      intervalMs: 60_000,
      every: (_ms, fn) => {
        fire = fn;
        return () => undefined;
      },
    });
    return { lines, log, tick: () => fire() };
  }

  it('logs the first refusal per source in full, then one summary line per interval with counts', () => {
    const { lines, log, tick } = capture();
    for (let i = 0; i < 47_000; i++) log.note('proxy refused a connection from another OS user', 'uid:65534', { uid: 65534 });
    log.note('proxy refused a wrong local password', '192.0.2.1');
    log.note('proxy refused a wrong local password', '192.0.2.1');
    expect(lines.map((l) => l.msg)).toEqual(['proxy refused a connection from another OS user', 'proxy refused a wrong local password']);
    expect(lines[0]).toMatchObject({ source: 'uid:65534', uid: 65534 });
    tick();
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatchObject({
      msg: 'proxy refusals since the last summary',
      total: 47_000,
      bySourceAndReason: { 'uid:65534: proxy refused a connection from another OS user': 46_999, '192.0.2.1: proxy refused a wrong local password': 1 },
    });
    tick(); // nothing new: no line
    expect(lines).toHaveLength(3);
    // Quiet for a whole interval: the next refusal from that source is logged in full again.
    tick();
    log.note('proxy refused a connection from another OS user', 'uid:65534');
    expect(lines).toHaveLength(4);
    log.close();
    expect(lines).toHaveLength(4);
  });

  it('stays bounded when the refusals come from very many sources', () => {
    const { lines, log, tick } = capture();
    for (let i = 0; i < 100_000; i++) log.note('proxy refused a connection: too many clients waiting to authenticate', `2001:db8:${i.toString(16)}::/64`);
    expect(lines.length).toBeLessThanOrEqual(50);
    tick();
    const summary = lines.at(-1) as { total: number; bySourceAndReason: object; others?: number };
    expect(summary.total).toBe(100_000 - (lines.length - 1));
    expect(Object.keys(summary.bySourceAndReason).length).toBeLessThanOrEqual(20);
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 1000; i++) log.note('x', `10.${round}.${i >> 8}.${i & 255}`);
      tick();
    }
    expect(lines.length).toBeLessThanOrEqual(50 + 1 + 20 * (50 + 1));
  });
});
