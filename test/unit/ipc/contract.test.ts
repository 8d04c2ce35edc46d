// The contract and the router: every call refuses malformed payloads with invalid_input naming
// the field, foreign senders are refused, unknown channels too, and errors cross as payloads.
import { describe, expect, it, vi } from 'vitest';
import { CALL_NAMES, CONTRACT, EVENT_NAMES, EVENTS, type CallName } from '../../../shared/contract.js';
import { PgEntraError } from '../../../shared/errors.js';
import { createRouter, parseEvent, type Handlers } from '../../../electron/ipc/router.js';
import { createSenderPolicy } from '../../../electron/ipc/senderPolicy.js';
import { TRUSTED, VALID_INPUTS, malformedPayloads, SESSION_ID } from './fixtures.js';

/** Handlers that record calls and return nothing useful (output validation is off unless a test turns it on). */
function recordingHandlers(): { handlers: Handlers; calls: Array<{ name: CallName; input: unknown }> } {
  const calls: Array<{ name: CallName; input: unknown }> = [];
  const handlers = Object.fromEntries(
    CALL_NAMES.map((name) => [
      name,
      async (input: unknown) => {
        calls.push({ name, input });
        return {};
      },
    ]),
  ) as unknown as Handlers;
  return { handlers, calls };
}

describe('the contract', () => {
  it('lists exactly the calls and events of the spec', () => {
    expect(Object.keys(CONTRACT).sort()).toEqual([...CALL_NAMES].sort());
    expect(Object.keys(EVENTS).sort()).toEqual([...EVENT_NAMES].sort());
    expect(CALL_NAMES).toHaveLength(38);
  });

  it('accepts the valid sample of every call', () => {
    for (const name of CALL_NAMES) {
      const r = CONTRACT[name].input.safeParse(VALID_INPUTS[name]);
      expect(r.success, `${name}: ${r.success ? '' : r.error.message}`).toBe(true);
    }
  });
});

describe('router input validation', () => {
  for (const name of CALL_NAMES) {
    it(`${name} refuses malformed payloads without calling the handler`, async () => {
      const { handlers, calls } = recordingHandlers();
      const router = createRouter(handlers, { validateOutput: false });
      for (const { label, payload } of malformedPayloads(VALID_INPUTS[name])) {
        const r = await router.dispatch(name, payload, TRUSTED);
        expect(r.ok, `${name} with ${label}`).toBe(false);
        if (!r.ok) expect(r.error.code).toBe('invalid_input');
      }
      expect(calls).toHaveLength(0);
      // …and the valid sample reaches the handler, parsed.
      const ok = await router.dispatch(name, VALID_INPUTS[name], TRUSTED);
      expect(ok.ok).toBe(true);
      expect(calls).toHaveLength(1);
    });
  }

  it('names the failing fields in the error', async () => {
    const router = createRouter(recordingHandlers().handlers, { validateOutput: false });
    const r = await router.dispatch('sessions.query', { sessionId: 'not-a-uuid', sql: '', pageSize: 0 }, TRUSTED);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('invalid_input');
    expect(String(r.error.details?.fields).split(',').sort()).toEqual(['pageSize', 'sessionId', 'sql']);
    expect(r.error.message).toMatch(/sessions\.query/);
    const p = await router.dispatch('profiles.save', { profile: { name: 'x', host: 'https://srv.postgres.database.azure.com', username: 'u' } }, TRUSTED);
    expect(!p.ok && p.error.details?.fields).toBe('profile.host');
  });

  it('tokens.copy takes no renderer-made confirmation: a `confirmed` field is refused as unknown', async () => {
    const router = createRouter(recordingHandlers().handlers, { validateOutput: false });
    const r = await router.dispatch('tokens.copy', { profileId: VALID_INPUTS['tokens.copy'].profileId, confirmed: true }, TRUSTED);
    expect(!r.ok && r.error.code).toBe('invalid_input');
  });

  it('refuses unknown channels', async () => {
    const { handlers, calls } = recordingHandlers();
    const router = createRouter(handlers);
    for (const channel of ['profiles.drop', 'constructor', '__proto__', 'toString', '', 'sessions.query ']) {
      const r = await router.dispatch(channel, {}, TRUSTED);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('invalid_input');
    }
    expect(calls).toHaveLength(0);
  });
});

describe('router sender check', () => {
  const foreign = [
    { frameUrl: 'https://evil.example/', isMainFrame: true },
    { frameUrl: 'file:///tmp/index.html', isMainFrame: true },
    { frameUrl: 'app://pgentra.evil/index.html', isMainFrame: true },
    { frameUrl: 'app://evil/index.html', isMainFrame: true },
    { frameUrl: 'app://x@pgentra/index.html', isMainFrame: true },
    { frameUrl: 'http://pgentra/index.html', isMainFrame: true },
    { frameUrl: 'app://pgentra/index.html', isMainFrame: false }, // a subframe of our own page
    { frameUrl: '', isMainFrame: true },
    { frameUrl: 'not a url', isMainFrame: true },
  ];
  for (const sender of foreign) {
    it(`refuses ${sender.frameUrl || '(empty)'}${sender.isMainFrame ? '' : ' in a subframe'}`, async () => {
      const { handlers, calls } = recordingHandlers();
      const r = await createRouter(handlers).dispatch('sessions.info', { sessionId: SESSION_ID }, sender);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('ipc_sender_rejected');
      expect(calls).toHaveLength(0);
    });
  }

  it('accepts only listed windows when given', () => {
    const policy = createSenderPolicy({ scheme: 'app', host: 'pgentra', windowIds: () => [7] });
    expect(policy({ frameUrl: 'app://pgentra/', isMainFrame: true, windowId: 7 })).toBe(true);
    expect(policy({ frameUrl: 'app://pgentra/', isMainFrame: true, windowId: 8 })).toBe(false);
    expect(policy({ frameUrl: 'app://pgentra/', isMainFrame: true })).toBe(false);
  });

  it('a test harness can allow its own origin', async () => {
    const { handlers } = recordingHandlers();
    const router = createRouter(handlers, { senderPolicy: createSenderPolicy({ scheme: 'http', host: '127.0.0.1:5173' }), validateOutput: false });
    expect((await router.dispatch('app.info', {}, { frameUrl: 'http://127.0.0.1:5173/', isMainFrame: true })).ok).toBe(true);
    expect((await router.dispatch('app.info', {}, TRUSTED)).ok).toBe(false);
  });
});

describe('router errors and output', () => {
  it('serialises a PgEntraError as a payload with code, message, hint and details', async () => {
    const { handlers } = recordingHandlers();
    handlers['sessions.info'] = async () => {
      throw new PgEntraError('not_found', 'This session does not exist or was closed.', { hint: 'Open the connection again.', details: { sessionId: SESSION_ID } });
    };
    const r = await createRouter(handlers).dispatch('sessions.info', { sessionId: SESSION_ID }, TRUSTED);
    expect(r).toEqual({ ok: false, error: { code: 'not_found', message: 'This session does not exist or was closed.', hint: 'Open the connection again.', details: { sessionId: SESSION_ID } } });
    expect(JSON.parse(JSON.stringify(r))).toEqual(r); // plain data, survives structured clone/JSON
  });

  it('turns other errors into internal', async () => {
    const { handlers } = recordingHandlers();
    handlers['app.info'] = async () => {
      throw new TypeError('boom');
    };
    const onError = vi.fn();
    const r = await createRouter(handlers, { onError }).dispatch('app.info', {}, TRUSTED);
    expect(r).toEqual({ ok: false, error: { code: 'internal', message: 'boom' } });
    expect(onError).toHaveBeenCalledOnce();
  });

  it('checks results against the contract in development and tests', async () => {
    const { handlers } = recordingHandlers();
    handlers['sessions.cancel'] = async () => ({ cancelled: 'yes' }) as unknown as { cancelled: boolean };
    const strict = await createRouter(handlers, { validateOutput: true }).dispatch('sessions.cancel', VALID_INPUTS['sessions.cancel'], TRUSTED);
    expect(!strict.ok && strict.error.code).toBe('internal');
    const lax = await createRouter(handlers, { validateOutput: false }).dispatch('sessions.cancel', VALID_INPUTS['sessions.cancel'], TRUSTED);
    expect(lax.ok).toBe(true);
  });

  it('validates event payloads', () => {
    expect(() => parseEvent('signIn.progress', { stage: 'teleporting' })).toThrow(PgEntraError);
    expect(parseEvent('signIn.progress', { stage: 'done' })).toEqual({ stage: 'done' });
  });
});
