// Fuzz: the local proxy's client-side packet handling before the relay (startup, SSLRequest,
// GSSENCRequest, CancelRequest, password / SASL messages), fed in-process through the same
// PacketReader and parsers clientSession.ts uses, as arbitrary and mutated byte streams split at
// random chunk boundaries. Only the typed protocol errors may come out; nothing hangs; no packet
// longer than the protocol limits is ever buffered waiting or handed out.
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CANCEL_REQUEST_CODE,
  GSSENC_REQUEST_CODE,
  MAX_AUTH_MESSAGE_LENGTH,
  MAX_STARTUP_PACKET_LENGTH,
  MessageBuffer,
  PROTOCOL_3_0,
  ProtocolError,
  SSL_REQUEST_CODE,
  parsePasswordMessage,
  parseStartupPacket,
} from '../../../electron/pgwire/index.js';
import { ConnectionClosedError, PacketReader } from '../../../electron/pgwire/packetReader.js';
import { ScramError, ScramServerExchange, parseSaslInitialResponse, scramVerifier, SCRAM_MECHANISM } from '../../../electron/proxy/scram.js';
import { FUZZ_TIMEOUT_MS, runFuzz } from './fuzzKit.js';

const VERIFIER = scramVerifier('local-secret', Buffer.alloc(16, 7), 16);

/** What PacketReader needs of a socket, driven synchronously by the test. */
class FakeSocket extends EventEmitter {
  pause(): this {
    return this;
  }
}

const int32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n | 0, 0);
  return b;
};
const untyped = (body: Buffer): Buffer => Buffer.concat([int32(body.length + 4), body]);
const typed = (type: string, body: Buffer): Buffer => Buffer.concat([Buffer.from(type, 'latin1'), int32(body.length + 4), body]);
const cstr = (s: string): Buffer => Buffer.concat([Buffer.from(s, 'utf8'), Buffer.from([0])]);

const protoString = fc.string({ maxLength: 30 }).map((s) => s.replace(/\0/g, ''));

/** Well-formed packets of the startup phase, then the password phase. */
const startupPacket = fc.oneof(
  fc.constant(untyped(int32(SSL_REQUEST_CODE))),
  fc.constant(untyped(int32(GSSENC_REQUEST_CODE))),
  fc.tuple(fc.integer(), fc.uint8Array({ minLength: 4, maxLength: 256 })).map(([pid, key]) => untyped(Buffer.concat([int32(CANCEL_REQUEST_CODE), int32(pid), Buffer.from(key)]))),
  fc
    .tuple(
      fc.constantFrom(PROTOCOL_3_0, PROTOCOL_3_0, PROTOCOL_3_0 | 2, 2 << 16, 0),
      fc.boolean(),
      fc.array(fc.tuple(fc.oneof(fc.constantFrom('user', 'database', 'application_name', 'options'), protoString), protoString), { maxLength: 6 }),
    )
    .map(([v, withUser, params]) => untyped(Buffer.concat([int32(v), ...(withUser ? [cstr('user'), cstr('alice')] : []), ...params.flatMap(([k, val]) => [cstr(k), cstr(val)]), Buffer.from([0])]))),
);
const passwordPacket = fc.oneof(
  protoString.map((p) => typed('p', cstr(p))),
  fc
    .tuple(
      fc.constantFrom(SCRAM_MECHANISM, 'SCRAM-SHA-256-PLUS', ''),
      fc.constantFrom('n,,n=,r=abcdefghijkl', 'y,,n=,r=x', 'p=tls-server-end-point,,n=,r=x', 'n,a=x,n=,r=x', 'n,,m=x', ''),
      fc.integer({ min: -2, max: 40 }),
    )
    .map(([mech, data, lenDelta]) =>
      typed('p', Buffer.concat([cstr(mech), int32(data.length === 0 && lenDelta < 0 ? -1 : Buffer.byteLength(data) + (lenDelta % 3 === 0 ? 0 : lenDelta)), Buffer.from(data)])),
    ),
  fc.constantFrom('c=biws,r=abcdefghijkl,p=AAAA', 'c=biws,r=x', 'r=x,c=biws,p=' + 'A'.repeat(44), '').map((s) => typed('p', Buffer.from(s))),
  fc.tuple(fc.constantFrom('Q', 'X', 'p', '\0', 'E'), fc.uint8Array({ maxLength: 40 })).map(([t, b]) => typed(t, Buffer.from(b))),
);

const INTERESTING_LENGTHS = [
  -1,
  0,
  3,
  4,
  5,
  7,
  8,
  9,
  MAX_STARTUP_PACKET_LENGTH - 1,
  MAX_STARTUP_PACKET_LENGTH,
  MAX_STARTUP_PACKET_LENGTH + 1,
  MAX_AUTH_MESSAGE_LENGTH,
  MAX_AUTH_MESSAGE_LENGTH + 1,
  0x7fffffff,
  -0x80000000,
];

const mutation = fc.record({
  at: fc.nat(),
  op: fc.constantFrom('flip', 'length', 'truncate', 'insert', 'delete', 'zero'),
  byte: fc.integer({ min: 0, max: 255 }),
  len: fc.constantFrom(...INTERESTING_LENGTHS),
  bytes: fc.uint8Array({ maxLength: 16 }),
});
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(stream: Buffer, ms: readonly Mutation[]): Buffer {
  let s = Buffer.from(stream);
  for (const m of ms) {
    const i = s.length ? m.at % s.length : 0;
    switch (m.op) {
      case 'flip':
        if (s.length) s[i] = m.byte;
        break;
      case 'length':
        if (s.length >= i + 4) s.writeInt32BE(m.len, i);
        else if (s.length >= 4) s.writeInt32BE(m.len, 0);
        break;
      case 'truncate':
        s = s.subarray(0, i);
        break;
      case 'insert':
        s = Buffer.concat([s.subarray(0, i), Buffer.from(m.bytes), s.subarray(i)]);
        break;
      case 'delete':
        s = Buffer.concat([s.subarray(0, i), s.subarray(i + 1 + (m.byte % 8))]);
        break;
      case 'zero':
        s.fill(0, i, Math.min(s.length, i + (m.byte % 9)));
        break;
    }
  }
  return s;
}

/** A client's byte stream: structure-aware (valid packets, then mutated) or plain random bytes. */
const clientStream = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .tuple(fc.array(startupPacket, { minLength: 1, maxLength: 3 }), fc.array(passwordPacket, { maxLength: 3 }), fc.array(mutation, { maxLength: 3 }))
      .map(([s, p, ms]) => mutate(Buffer.concat([...s, ...p]), ms)),
  },
  // Well-formed conversations (a startup packet, then password/SASL messages), cut at random points only.
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        fc.array(fc.constantFrom(untyped(int32(SSL_REQUEST_CODE)), untyped(int32(GSSENC_REQUEST_CODE))), { maxLength: 2 }),
        fc.constant(untyped(Buffer.concat([int32(PROTOCOL_3_0), cstr('user'), cstr('alice'), Buffer.from([0])]))),
        fc.array(passwordPacket, { minLength: 1, maxLength: 3 }),
      )
      .map(([neg, st, p]) => Buffer.concat([...neg, st, ...p])),
  },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)) },
  // A declared length then much data: the reader must refuse on the length, not buffer it.
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...INTERESTING_LENGTHS), fc.integer({ min: 0, max: 70_000 })).map(([len, n]) => Buffer.concat([int32(len), Buffer.alloc(n, 0x41)])) },
);

/** Chunk boundaries: cut points as fractions so they scale with the stream. */
const cuts = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 });

function split(stream: Buffer, at: readonly number[]): Buffer[] {
  const points = [...new Set(at.map((f) => Math.floor(f * stream.length)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of [...points, stream.length]) {
    if (p > prev) out.push(stream.subarray(prev, p));
    prev = Math.max(prev, p);
  }
  return out;
}

const typedErrors = (e: unknown): boolean => e instanceof ProtocolError || e instanceof ScramError || e instanceof ConnectionClosedError;

/**
 * The startup and authentication steps of ClientSession.run/authenticatePassword, with the same
 * reader calls and parsers (the socket writes and upstream login left out).
 */
async function session(reader: PacketReader, scram: boolean): Promise<string> {
  let ssl = false;
  let gss = false;
  for (;;) {
    const p = await reader.untyped();
    if (p.kind === 'ssl' || p.kind === 'gssenc') {
      if ((p.kind === 'ssl' && ssl) || (p.kind === 'gssenc' && gss)) return 'refused-repeat';
      if (p.kind === 'ssl') ssl = true;
      else gss = true;
      continue;
    }
    if (p.kind === 'cancel') {
      expect(p.secretKey.length).toBeGreaterThanOrEqual(4);
      expect(p.secretKey.length).toBeLessThanOrEqual(256);
      return 'cancel';
    }
    expect(p.params.get('user')).toBeTruthy();
    break;
  }
  const next = async (): Promise<Buffer> => {
    const m = await reader.typed();
    expect(m.body.length + 4).toBeLessThanOrEqual(MAX_AUTH_MESSAGE_LENGTH);
    if (m.type !== 'p') throw new ProtocolError(`expected password response, got "${m.type}"`);
    return m.body;
  };
  if (!scram) {
    parsePasswordMessage({ type: 'p', body: await next() });
    return 'password';
  }
  const exchange = new ScramServerExchange(VERIFIER);
  const initial = parseSaslInitialResponse(await next());
  if (initial.mechanism !== SCRAM_MECHANISM) throw new ScramError('invalid mechanism');
  exchange.clientFirst(initial.data);
  exchange.clientFinal(await next());
  return 'scram';
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('fuzz: proxy client packets', () => {
  it(
    'PacketReader + startup/SSL/GSSENC/cancel/password parsers: typed errors only, bounded, never hangs',
    async () => {
      const outcomes = new Map<string, number>();
      await runFuzz('proxy-client-packets', [clientStream, cuts, fc.boolean(), fc.boolean()], async (stream, at, scram, closeEarly) => {
        const sock = new FakeSocket();
        const reader = new PacketReader(sock as unknown as Duplex);
        let settled: { ok: true; v: string } | { ok: false; e: unknown } | undefined;
        const done = session(reader, scram).then(
          (v) => (settled = { ok: true, v }),
          (e: unknown) => (settled = { ok: false, e }),
        );
        for (const chunk of split(stream, at)) {
          if (settled) break;
          sock.emit('data', chunk);
          await tick();
        }
        // The client hangs up (or errors) — the reader must always come back.
        if (closeEarly) sock.emit('error', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
        else sock.emit('end');
        const hung = await Promise.race([done.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 2_000))]);
        expect(hung, 'session hung after the client closed').toBe(false);
        if (settled && !settled.ok && !typedErrors(settled.e)) {
          // ECONNRESET from the socket is passed through as is, like in clientSession.
          if (!(closeEarly && (settled.e as NodeJS.ErrnoException).code === 'ECONNRESET')) throw settled.e;
        }
        expect(reader.pending).toBeLessThanOrEqual(stream.length);
        const o = settled?.ok ? settled.v : ((settled?.e as Error | undefined)?.name ?? 'none');
        outcomes.set(o, (outcomes.get(o) ?? 0) + 1);
      });
      console.log(`fuzz: proxy-client-packets outcomes: ${JSON.stringify(Object.fromEntries(outcomes))}`);
    },
    FUZZ_TIMEOUT_MS,
  );

  it(
    'MessageBuffer never waits on (buffers) a packet longer than its limit; parseStartupPacket throws only ProtocolError',
    async () => {
      await runFuzz('pgwire-framing', [clientStream, cuts, fc.boolean()], (stream, at, typedPhase) => {
        const buf = new MessageBuffer();
        const max = typedPhase ? MAX_AUTH_MESSAGE_LENGTH : MAX_STARTUP_PACKET_LENGTH;
        try {
          for (const chunk of split(stream, at)) {
            buf.push(chunk);
            for (;;) {
              if (typedPhase) {
                const m = buf.nextTyped(max);
                if (!m) break;
                expect(m.body.length + 4).toBeLessThanOrEqual(max);
                if (m.type === 'p') {
                  try {
                    parsePasswordMessage(m);
                  } catch (e) {
                    if (!(e instanceof ProtocolError)) throw e;
                  }
                }
              } else {
                const body = buf.nextUntyped(max);
                if (!body) break;
                expect(body.length + 4).toBeLessThanOrEqual(max);
                try {
                  parseStartupPacket(body);
                } catch (e) {
                  if (!(e instanceof ProtocolError)) throw e;
                }
              }
            }
            // Waiting for more: what is held is one incomplete packet of at most `max` bytes.
            expect(buf.pending).toBeLessThanOrEqual(max + 1);
          }
        } catch (e) {
          if (!(e instanceof ProtocolError)) throw e;
        }
      });
    },
    FUZZ_TIMEOUT_MS,
  );
});
