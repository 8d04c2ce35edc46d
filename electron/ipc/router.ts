// contract → handlers: rejects unknown channels and foreign senders, validates input with zod
// (→ invalid_input naming each field), validates output in development and tests, and turns every
// error into a payload. Plain Node: Electron's ipcMain, tests and the Playwright binding call it.
import { z } from 'zod';
import { CONTRACT, EVENTS, type CallInput, type CallName, type CallOutput, type EventName, type EventPayload, type IpcResult } from '../../shared/contract.js';
import { PgEntraError, toErrorPayload } from '../../shared/errors.js';
import { isCallName } from '../../shared/ipcChannels.js';
import { createSenderPolicy, type SenderInfo, type SenderPolicy } from './senderPolicy.js';

export type { SenderInfo } from './senderPolicy.js';

/** What a handler knows about who called it. */
export interface CallContext {
  sender: SenderInfo;
}

export type Handler<K extends CallName> = (input: CallInput<K>, ctx: CallContext) => Promise<CallOutput<K>>;
export type Handlers = { [K in CallName]: Handler<K> };

export interface RouterOptions {
  /** Default: only the app's own renderer (app://pgentra), main frame. */
  senderPolicy?: SenderPolicy;
  /** Check handler results against the contract (development and tests; default true unless NODE_ENV=production). */
  validateOutput?: boolean;
  /** Called with every error before it is serialised (logging without tokens). */
  onError?: (channel: string, error: unknown) => void;
}

export interface Router {
  dispatch(channel: string, payload: unknown, sender: SenderInfo): Promise<IpcResult<unknown>>;
  readonly channels: readonly CallName[];
}

/** `a.b: message; c: message`, plus one detail per field so the UI can mark each. */
export function zodToInvalidInput(channel: string, error: z.ZodError, what = 'input'): PgEntraError {
  const details: Record<string, string> = {};
  const parts: string[] = [];
  for (const issue of error.issues) {
    const path = issue.path.map(String).join('.') || '(root)';
    details[path] ??= issue.message;
    parts.push(`${path}: ${issue.message}`);
  }
  return new PgEntraError('invalid_input', `Invalid ${what} for ${channel}: ${parts.join('; ')}`, {
    details: { fields: Object.keys(details).join(','), ...details },
  });
}

export function createRouter(handlers: Handlers, opts: RouterOptions = {}): Router {
  const isTrusted = opts.senderPolicy ?? createSenderPolicy();
  const validateOutput = opts.validateOutput ?? process.env.NODE_ENV !== 'production';

  async function call<K extends CallName>(channel: K, payload: unknown, sender: SenderInfo): Promise<unknown> {
    const spec = CONTRACT[channel];
    const parsed = spec.input.safeParse(payload);
    if (!parsed.success) throw zodToInvalidInput(channel, parsed.error);
    const handler = handlers[channel] as Handler<K>;
    const value = await handler(parsed.data as CallInput<K>, { sender });
    if (validateOutput) {
      const out = spec.output.safeParse(value);
      if (!out.success) {
        // A contract bug, not the caller's fault; details stay in the main process.
        opts.onError?.(channel, out.error);
        throw new PgEntraError('internal', `${channel} returned a result that does not match the contract.`, { details: { fields: out.error.issues.map((i) => i.path.join('.')).join(',') } });
      }
      return out.data;
    }
    return value;
  }

  return {
    channels: Object.keys(CONTRACT) as CallName[],
    async dispatch(channel, payload, sender) {
      try {
        if (!isTrusted(sender)) {
          throw new PgEntraError('ipc_sender_rejected', 'This request did not come from the pgEntra window and was refused.', {
            details: { channel: String(channel).slice(0, 100) },
          });
        }
        if (typeof channel !== 'string' || !isCallName(channel)) {
          throw new PgEntraError('invalid_input', `Unknown call "${String(channel).slice(0, 100)}".`, { details: { channel: String(channel).slice(0, 100) } });
        }
        return { ok: true, value: await call(channel, payload, sender) };
      } catch (e) {
        opts.onError?.(channel, e);
        return { ok: false, error: toErrorPayload(e) };
      }
    },
  };
}

/** Validates an event payload against the contract before it is sent to the renderer. */
export function parseEvent<E extends EventName>(name: E, payload: unknown): EventPayload<E> {
  const r = EVENTS[name].safeParse(payload);
  if (!r.success) throw zodToInvalidInput(name, r.error, 'event payload');
  return r.data as EventPayload<E>;
}

export type EventSink = <E extends EventName>(name: E, payload: EventPayload<E>) => void;
