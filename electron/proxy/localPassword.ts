// The proxy's local password, checked with one client: SCRAM-SHA-256 on the wire
// (AuthenticationSASL, SASLContinue, SASLFinal), paced by the proxy-wide wrong-password back-off.
// The client session runs it after the owner check and before anything else is answered.
import type net from 'node:net';
import type { Logger } from '../log/logger.js';
import { ProtocolError, authenticationSASL, authenticationSASLContinue, authenticationSASLFinal, type ErrorFields, type TypedMessage } from '../pgwire/index.js';
import { ConnectionClosedError, type PacketReader } from '../pgwire/packetReader.js';
import type { PasswordBackoff } from './passwordBackoff.js';
import { parseSaslInitialResponse, SCRAM_MECHANISM, ScramError, ScramServerExchange, type ScramVerifier } from './scram.js';

export interface PasswordCheck {
  client: net.Socket;
  reader: PacketReader;
  verifier: ScramVerifier;
  backoff: PasswordBackoff;
  logger: Logger;
  /** Profile name and client address, for the log line about a wrong password. */
  profile: string;
  peer: string;
  /** The user name the client sent. */
  clientUser: string | undefined;
}

/** `ok`: the proof is right. Otherwise the client left, or is to be refused with `refusal`. */
export type PasswordOutcome = { ok: true } | { ok: false; refusal?: ErrorFields };

function passwordFailed(user: string | undefined): ErrorFields {
  return {
    severity: 'FATAL',
    code: '28P01',
    // Only the name the client itself sent: nothing about the proxy's role before authentication.
    message: `password authentication failed for user "${user ?? ''}"`,
    hint: 'This pgEntra proxy requires its local password (printed when it started, or the PGENTRA_PROXY_PASSWORD it was started with), not an Entra token.',
  };
}

/** SCRAM-SHA-256 with the client; on a wrong proof or a broken exchange, says how to refuse it. */
export async function checkLocalPassword(c: PasswordCheck): Promise<PasswordOutcome> {
  const { client, reader, backoff } = c;
  client.write(authenticationSASL([SCRAM_MECHANISM]));
  const exchange = new ScramServerExchange(c.verifier);
  const expectPassword = async (): Promise<TypedMessage> => {
    const m = await reader.typed();
    if (m.type !== 'p') throw new ProtocolError(`expected SASL response, got message type "${m.type}"`);
    return m;
  };
  try {
    const initial = parseSaslInitialResponse((await expectPassword()).body);
    if (initial.mechanism !== SCRAM_MECHANISM) throw new ScramError(`client selected an invalid SASL authentication mechanism`);
    client.write(authenticationSASLContinue(Buffer.from(exchange.clientFirst(initial.data), 'utf8')));
    const final = (await expectPassword()).body;
    // Back-off: after wrong passwords, each check waits its turn (spaced out, growing).
    const wait = backoff.reserve();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (client.destroyed) return { ok: false };
    const serverFinal = exchange.clientFinal(final);
    if (serverFinal === undefined) {
      backoff.failed();
      c.logger.warn('proxy refused a wrong local password', { profile: c.profile, client: c.peer, consecutiveFailures: backoff.consecutiveFailures });
      return { ok: false, refusal: passwordFailed(c.clientUser) };
    }
    backoff.succeeded();
    client.write(authenticationSASLFinal(Buffer.from(serverFinal, 'utf8')));
    return { ok: true };
  } catch (e) {
    // psql hangs up after AuthenticationSASL to prompt for the password, then reconnects.
    if (e instanceof ConnectionClosedError) return { ok: false };
    if (e instanceof ScramError || e instanceof ProtocolError) {
      backoff.failed();
      return { ok: false, refusal: { severity: 'FATAL', code: '08P01', message: `pgEntra proxy: ${e.message}` } };
    }
    return { ok: false };
  }
}
