// Attacks on the IPC surface from a compromised renderer, through the real router and contract:
// prototype pollution (`__proto__` / `constructor.prototype` as own keys, as JSON.parse and
// structured clone create them) on every call, a confirmation smuggled in through an inherited
// property, oversized payloads, and a pgAdmin file whose `__proto__` entry hides a server.
// Safe: the payload is refused or reaches the handler as a plain object without the smuggled
// keys; Object.prototype stays clean; oversized payloads are refused quickly.
import { afterEach, describe, expect, it } from 'vitest';
import { createRouter, type Handlers } from '../../../electron/ipc/router.js';
import { planPgAdminImport } from '../../../electron/interop/pgadminImport.js';
import { CALL_NAMES, type CallName } from '../../../shared/ipcChannels.js';
import { PROFILE_ID, SESSION_ID, TRUSTED, VALID_INPUTS } from '../ipc/fixtures.js';

/** Handlers that record what reached them and answer nothing useful (output validation off). */
function recordingRouter(): { router: ReturnType<typeof createRouter>; received: Array<{ channel: CallName; input: unknown }> } {
  const received: Array<{ channel: CallName; input: unknown }> = [];
  const handlers = Object.fromEntries(
    CALL_NAMES.map((name) => [
      name,
      async (input: unknown) => {
        received.push({ channel: name, input });
        return {};
      },
    ]),
  ) as unknown as Handlers;
  return { router: createRouter(handlers, { validateOutput: false }), received };
}

/** Every own key of every object inside `v`. */
function ownKeysDeep(v: unknown, out: string[] = []): string[] {
  if (typeof v !== 'object' || v === null) return out;
  for (const k of Reflect.ownKeys(v)) {
    out.push(String(k));
    ownKeysDeep((v as Record<string | symbol, unknown>)[k], out);
  }
  return out;
}

function prototypesArePlain(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return true;
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== Array.prototype && proto !== null && !(v instanceof Date)) return false;
  return Object.values(v).every(prototypesArePlain);
}

afterEach(() => {
  // Whatever a test did, the next one must start from a clean Object.prototype.
  for (const k of ['polluted', 'nonAzureHost', 'isAdmin', 'confirmed']) delete (Object.prototype as Record<string, unknown>)[k];
});

describe('prototype pollution through any call', () => {
  it.each(CALL_NAMES)('%s: __proto__ and constructor.prototype keys are refused or dropped, never applied', async (name) => {
    const { router, received } = recordingRouter();
    const valid = VALID_INPUTS[name] as Record<string, unknown>;
    const payloads = [
      JSON.parse(`{"__proto__": {"polluted": "yes", "confirmed": true}, ${JSON.stringify(valid).slice(1)}`.replace(', }', '}')) as unknown,
      JSON.parse(`{"constructor": {"prototype": {"polluted": "yes"}}, ${JSON.stringify(valid).slice(1)}`.replace(', }', '}')) as unknown,
      structuredClone(JSON.parse(`{"__proto__": {"polluted": "yes"}, ${JSON.stringify(valid).slice(1)}`.replace(', }', '}')) as unknown),
    ];
    for (const payload of payloads) {
      const r = await router.dispatch(name, payload, TRUSTED);
      if (r.ok) {
        const input = received.at(-1)?.input;
        expect(ownKeysDeep(input)).not.toContain('__proto__');
        expect(prototypesArePlain(input)).toBe(true);
        expect((input as Record<string, unknown>).polluted).toBeUndefined();
      } else {
        expect(r.error.code).toBe('invalid_input');
      }
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('confirmed');
  });

  it('a confirmation hidden in __proto__ does not reach profiles.save (nor does an explicit confirmed: true on a call that does not take it)', async () => {
    const { router, received } = recordingRouter();
    const profile = JSON.parse('{"name":"Evil","host":"evil.example.com","username":"db-admins","confirmations":{"__proto__":{"nonAzureHost":true}}}') as unknown;
    const r = await router.dispatch('profiles.save', { profile }, TRUSTED);
    if (r.ok) {
      const input = received.at(-1)?.input as { profile: { confirmations?: Record<string, unknown> } };
      expect(input.profile.confirmations?.nonAzureHost).toBeUndefined();
      expect(ownKeysDeep(input)).not.toContain('__proto__');
    } else expect(r.error.code).toBe('invalid_input');
    const extra = await router.dispatch('sessions.open', { profileId: PROFILE_ID, confirmed: true }, TRUSTED);
    expect(extra.ok).toBe(false);
  });
});

describe('oversized payloads are refused before any handler runs', () => {
  it.each([
    ['sessions.query', { sessionId: SESSION_ID, sql: 'x'.repeat(4 * 1024 * 1024 + 1) }],
    ['interop.importPgAdmin', { json: ' '.repeat(8 * 1024 * 1024 + 1) }],
    ['interop.exportPgAdmin', { profileIds: Array.from({ length: 10_001 }, () => PROFILE_ID) }],
    ['interop.importPgAdmin', { json: '{"Servers":{}}', allowedHosts: Array.from({ length: 1001 }, (_, i) => `h${i}.example.com`) }],
    ['profiles.move', { id: PROFILE_ID, folder: 'f'.repeat(101) }],
    ['admin.createPrincipal', { sessionId: SESSION_ID, by: 'name', roleName: 'r'.repeat(129) }],
  ] as Array<[CallName, unknown]>)('%s', async (name, payload) => {
    const { router, received } = recordingRouter();
    const t = Date.now();
    const r = await router.dispatch(name, payload, TRUSTED);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('invalid_input');
    expect(received).toHaveLength(0);
    expect(Date.now() - t).toBeLessThan(5_000);
  });
});

describe('a pgAdmin file that hides a server behind __proto__', () => {
  it('the hidden server is neither imported nor inherited by the real ones, and nothing is polluted', () => {
    const json = JSON.stringify({
      Servers: {
        '1': { Name: 'ok', Group: 'g', Host: 'ok.postgres.database.azure.com', Port: 5432, MaintenanceDB: 'postgres', Username: 'u@contoso.example', SSLMode: 'verify-full' },
      },
    }).replace(
      '"Servers":{',
      '"Servers":{"__proto__":{"Name":"evil","Group":"g","Host":"evil.example.com","Port":5432,"MaintenanceDB":"postgres","Username":"u@contoso.example","SSLMode":"disable"},',
    );
    const plan = planPgAdminImport(json, { cloud: 'public', allowWeakerTls: false });
    const text = JSON.stringify(plan);
    expect(text).not.toContain('evil.example.com');
    expect(plan.profiles.map((p) => p.input.host)).toEqual(['ok.postgres.database.azure.com']);
    expect(({} as Record<string, unknown>).Host).toBeUndefined();
  });
});
