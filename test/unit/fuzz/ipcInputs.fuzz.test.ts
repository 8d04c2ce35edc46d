// Fuzz: every IPC call's input through the real router and the real handlers, with fake services
// that record every call. A payload the contract refuses is answered { ok: false, invalid_input }
// and never reaches a service; any payload is answered (never thrown), and no handler crashes
// (an error that is not a PgEntraError reaching the router counts as a crash).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createHandlers } from '../../../electron/ipc/handlers/index.js';
import { createRouter } from '../../../electron/ipc/router.js';
import type { Services } from '../../../electron/ipc/services.js';
import { CALL_NAMES, CONTRACT, type CallName } from '../../../shared/contract.js';
import { ERROR_CODES, PgEntraError, isPgEntraError } from '../../../shared/errors.js';
import { PROFILE, PROFILE_ID, SESSION_INFO, TRUSTED, VALID_INPUTS } from '../ipc/fixtures.js';
import { FUZZ_TIMEOUT_MS, applyEdits, fuzzRuns, jsonEdit, nastyValue, runFuzz } from './fuzzKit.js';

const SENTINEL = 'fake service: not wired in the fuzz test';

/**
 * Services whose every method records its call and rejects with a typed not_found, except the few
 * lookups handlers need to get further (the fixture profile and session).
 */
function fakeServices(calls: string[]): Services {
  const overrides: Record<string, (...a: unknown[]) => unknown> = {
    'profiles.get': async (id) => {
      if (id === PROFILE_ID) return PROFILE;
      throw new PgEntraError('not_found', 'No such profile.');
    },
    'sessions.info': () => SESSION_INFO,
    'sessions.history': () => [],
    events: () => undefined,
    appInfo: () => ({ name: 'pgEntra', version: '0', electron: null, chrome: null, node: process.versions.node, platform: process.platform, dataDir: '/tmp/x' }),
  };
  const fn = (name: string): unknown =>
    new Proxy(function () {}, {
      apply(_t, _this, args: unknown[]) {
        calls.push(name);
        const o = overrides[name];
        if (o) return o(...args);
        return Promise.reject(new PgEntraError('not_found', SENTINEL));
      },
      get(_t, prop) {
        if (prop === 'then' || typeof prop === 'symbol') return undefined;
        return fn(`${name}.${prop}`);
      },
    });
  return new Proxy({} as Services, {
    get(_t, prop) {
      if (prop === 'then' || typeof prop === 'symbol') return undefined;
      if (prop === 'postgresDomainsOf') return undefined;
      return fn(String(prop));
    },
  });
}

const channel = fc.constantFrom(...CALL_NAMES);
const payloadFor = (name: CallName): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 1, arbitrary: fc.constant(VALID_INPUTS[name]) },
    { weight: 5, arbitrary: fc.array(jsonEdit, { minLength: 1, maxLength: 4 }).map((edits) => applyEdits(VALID_INPUTS[name], edits)) },
    { weight: 2, arbitrary: fc.anything({ withNullPrototype: true, withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true }) },
    { weight: 1, arbitrary: nastyValue },
  );

describe('fuzz: IPC inputs', () => {
  it(
    'every call: invalid_input when the contract refuses it (no service reached), otherwise an answer — never a throw or a crash',
    async () => {
      const calls: string[] = [];
      const crashes: unknown[] = [];
      const router = createRouter(createHandlers(fakeServices(calls)), {
        onError: (_channel, e) => {
          // Output validation (internal) and typed errors are fine; anything else escaped a handler.
          if (!isPgEntraError(e) && !(e && typeof e === 'object' && 'issues' in e)) crashes.push(e);
        },
      });
      const perCall = new Map<string, number>();
      const outcome = { invalid: 0, ok: 0, otherError: 0 };
      await runFuzz(
        'ipc-inputs',
        [channel.chain((name) => fc.tuple(fc.constant(name), payloadFor(name)))],
        async ([name, payload]) => {
          perCall.set(name, (perCall.get(name) ?? 0) + 1);
          const valid = CONTRACT[name].input.safeParse(payload).success;
          calls.length = 0;
          crashes.length = 0;
          const r = await router.dispatch(name, payload, TRUSTED);
          expect(typeof r.ok).toBe('boolean');
          expect(crashes, `${name} crashed on ${fc.stringify(payload)}`).toEqual([]);
          if (!valid) {
            expect(r.ok).toBe(false);
            if (!r.ok) expect(r.error.code).toBe('invalid_input');
            expect(calls, `${name}: a service was called with input the contract refuses`).toEqual([]);
            outcome.invalid++;
            return;
          }
          if (r.ok) outcome.ok++;
          else {
            expect(ERROR_CODES).toContain(r.error.code);
            if (r.error.code === 'invalid_input') outcome.invalid++;
            else outcome.otherError++;
          }
        },
        fuzzRuns(13_200),
      );
      for (const name of CALL_NAMES) expect(perCall.get(name) ?? 0, name).toBeGreaterThan(0);
      console.log(`fuzz: ipc-inputs outcomes: ${JSON.stringify(outcome)}; ${CALL_NAMES.length} calls, ${Math.min(...perCall.values())}–${Math.max(...perCall.values())} cases each`);
    },
    FUZZ_TIMEOUT_MS,
  );
});
