// Where the proxy may listen. Anything that can reach the port gets a database session signed in
// with the user's Entra identity, so the default is loopback only; another address needs an
// explicit opt-in (`allowRemote`) and is announced loudly.
import { isIP } from 'node:net';
import { PgEntraError } from '../../shared/errors.js';

export const DEFAULT_PROXY_ADDRESS = '127.0.0.1';

/** 127.0.0.0/8, ::1 (and its IPv4-mapped form ::ffff:127.x.y.z), `localhost`. */
export function isLoopbackAddress(address: string): boolean {
  const a = address
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  if (a === 'localhost') return true;
  if (isIP(a) === 4) return a.startsWith('127.');
  if (isIP(a) === 6) {
    if (/^(0{0,4}:){7}0{0,3}1$/.test(a) || a === '::1') return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
    return mapped !== null && (mapped[1] ?? '').startsWith('127.');
  }
  return false;
}

export interface AddressDecision {
  address: string;
  loopback: boolean;
  /** Set when the address is not loopback: the text to print prominently. */
  warning?: string;
}

/** Validates a listen address; throws `invalid_input` for a non-loopback address without `allowRemote`. */
export function checkListenAddress(address: string, allowRemote: boolean): AddressDecision {
  const a = address.trim().replace(/^\[(.*)\]$/, '$1');
  if (a === '' || (a !== 'localhost' && isIP(a) === 0)) {
    throw new PgEntraError('invalid_input', `"${address}" is not an IP address to listen on.`, { hint: 'Use 127.0.0.1 (default), ::1, or with --allow-remote another local IP address.' });
  }
  if (isLoopbackAddress(a)) return { address: a, loopback: true };
  if (!allowRemote) {
    throw new PgEntraError('invalid_input', `Refusing to listen on ${a}: it is not a loopback address, so other machines could use your Entra identity through the proxy.`, {
      hint: 'Listen on 127.0.0.1 (the default), or pass --allow-remote if you really mean to share this connection — then add --require-password.',
      details: { address: a },
    });
  }
  return {
    address: a,
    loopback: false,
    warning: `WARNING: the proxy listens on ${a}, which is not loopback. Anyone who can reach this address gets a database session as your Entra identity${
      a === '0.0.0.0' || a === '::' ? ' (on every network interface)' : ''
    }. Traffic between clients and the proxy is NOT encrypted. Use --require-password and a firewall.`,
  };
}
