// A TCP relay between the proxy (and the app's sessions) and the simulated flexible server that
// can cut every connection through it with a TCP reset — what a flaky VPN, a Wi-Fi roam or an
// idle-timeout middlebox does. It relays bytes only: TLS runs end to end through it.
import net from 'node:net';

export interface FaultRelay {
  /** The port it listens on, on 127.0.0.1 and (where available) ::1, as `localhost` may resolve to either. */
  port: number;
  /** Connection pairs open right now. */
  open(): number;
  /** Resets every open pair (RST both ways); returns how many were cut. */
  resetAll(): number;
  close(): Promise<void>;
}

export async function startFaultRelay(upstream: { host: string; port: number }): Promise<FaultRelay> {
  const pairs = new Set<{ client: net.Socket; server: net.Socket }>();
  const onConnection = (client: net.Socket): void => {
    const server = net.connect({ host: upstream.host, port: upstream.port });
    const pair = { client, server };
    pairs.add(pair);
    const end = (): void => {
      pairs.delete(pair);
      client.destroy();
      server.destroy();
    };
    client.on('error', end).on('close', end);
    server.on('error', end).on('close', end);
    client.pipe(server);
    server.pipe(client);
  };
  const listen = (host: string, port: number): Promise<net.Server> =>
    new Promise((resolve, reject) => {
      const s = net.createServer(onConnection);
      s.once('error', reject);
      s.listen({ host, port, exclusive: true }, () => resolve(s));
    });
  const v4 = await listen('127.0.0.1', 0);
  const port = (v4.address() as net.AddressInfo).port;
  const servers = [v4];
  try {
    servers.push(await listen('::1', port));
  } catch {
    // No IPv6 loopback here (or the port is taken there): `localhost` then means 127.0.0.1.
  }
  return {
    port,
    open: () => pairs.size,
    resetAll() {
      const n = pairs.size;
      for (const p of [...pairs]) {
        pairs.delete(p);
        p.client.resetAndDestroy();
        p.server.resetAndDestroy();
      }
      return n;
    },
    async close() {
      for (const p of [...pairs]) {
        p.client.destroy();
        p.server.destroy();
      }
      pairs.clear();
      await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
}
