// The proxy's local password, checked with one client: SCRAM-SHA-256 on the wire
// (AuthenticationSASL, SASLContinue, SASLFinal). The proof is checked the moment it arrives; only a
// wrong one's answer is held back, by its source's back-off (passwordBackoff.ts). The client
// session runs it after the peer check at accept and before anything else is answered.
import type net from 'node:net';
import type { LogFields } from '../log/logger.js';
import { ProtocolError, authenticationSASL, authenticationSASLContinue, authenticationSASLFinal, type ErrorFields, type TypedMessage } from '../pgwire/index.js';
import { ConnectionClosedError, type PacketReader } from '../pgwire/packetReader.js';
import type { PasswordBackoff } from './passwordBackoff.js';
import { parseSaslInitialResponse, SCRAM_MECHANISM, ScramError, ScramServerExchange, type ScramVerifier } from './scram.js';

export interface PasswordCheck {
  client: net.Socket;
  reader: PacketReader;
  verifier: ScramVerifier;
  backoff: PasswordBackoff;
  /** The back-off's source: `uid:N` or an address (see admission.ts). */
  source: string;
  /** Keeps the connection's place (its pool slot) taken until the held answer is due. */
  holdPlaceUntil: (until: Promise<void>) => void;
  /** Logs a refusal through the proxy's refusal log (summarized under a flood). */
  note: (message: string, fields: LogFields) => void;
  /** Profile name and client address, for the log line about a wrong password. */
  profile: string;
  peer: string;
  /** The user name the client sent. */
  clientUser: string | undefined;
}

/** `ok`: the proof is right. Otherwise the client left, or is to be refused with `refusal`. */
export type PasswordOutcome = { ok: true } | { ok: false; refusal?: ErrorFields };

function passwordFailed(user: string | undefined, heldMs: number): ErrorFields {
  return {
    severity: 'FATAL',
    code: '28P01',
    // Only the name the client itself sent: nothing about the proxy's role before authentication.
    message: `password authentication failed for user "${user ?? ''}"`,
    hint:
      'This pgEntra proxy requires its local password (printed when it started, or the PGENTRA_PROXY_PASSWORD it was started with), not an Entra token.' +
      // Say why the answer was slow: the delay may come from someone else's wrong passwords.
      (heldMs >= 1000
        ? ` This answer was held ${Math.round(heldMs / 1000)} s because of recent wrong passwords from this OS user or address (0.5 s doubling to 8 s); a correct password is always checked and answered at once.`
        : ''),
  };
}

const hold = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms).unref());

/** SCRAM-SHA-256 with the client; on a wrong proof or a broken exchange, says how to refuse it. */
export async function checkLocalPassword(c: PasswordCheck): Promise<PasswordOutcome> {
  const { client, reader, backoff, source } = c;
  client.write(authenticationSASL([SCRAM_MECHANISM]));
  const exchange = new ScramServerExchange(c.verifier);
  const expectPassword = async (): Promise<TypedMessage> => {
    const m = await reader.typed();
    if (m.type !== 'p') throw new ProtocolError(`expected SASL response, got message type "${m.type}"`);
    return m;
  };
  // A wrong answer goes out only after the source's back-off; its slot is held that long even if
  // the client leaves (passwordBackoff.ts says why that leaves no shortcut).
  const wrong = async (refusal: (heldMs: number) => ErrorFields, message: string): Promise<PasswordOutcome> => {
    const delayMs = backoff.failed(source);
    c.note(message, { profile: c.profile, client: c.peer, consecutiveFailures: backoff.consecutiveFailures(source), answerDelayMs: delayMs });
    const held = hold(delayMs);
    c.holdPlaceUntil(held);
    await held;
    return { ok: false, refusal: refusal(delayMs) };
  };
  try {
    const initial = parseSaslInitialResponse((await expectPassword()).body);
    if (initial.mechanism !== SCRAM_MECHANISM) throw new ScramError(`client selected an invalid SASL authentication mechanism`);
    client.write(authenticationSASLContinue(Buffer.from(exchange.clientFirst(initial.data), 'utf8')));
    const final = (await expectPassword()).body;
    // Checked at once, whatever the source's back-off: never queued, never refused unchecked.
    const serverFinal = exchange.clientFinal(final);
    if (serverFinal === undefined) return await wrong((ms) => passwordFailed(c.clientUser, ms), 'proxy refused a wrong local password');
    backoff.succeeded(source);
    client.write(authenticationSASLFinal(Buffer.from(serverFinal, 'utf8')));
    return { ok: true };
  } catch (e) {
    // psql hangs up after AuthenticationSASL to prompt for the password, then reconnects.
    if (e instanceof ConnectionClosedError) return { ok: false };
    if (e instanceof ScramError || e instanceof ProtocolError) {
      const refusal: ErrorFields = { severity: 'FATAL', code: '08P01', message: `pgEntra proxy: ${e.message}` };
      return await wrong(() => refusal, 'proxy refused a broken password exchange');
    }
    return { ok: false };
  }
}
