// Listener lifecycle: bind (127.0.0.1, plus ::1 on the same port when available so
// "localhost" works whichever address a client picks), stop for 'refused' outages, restart
// on the same port, and close every socket on stop.
import type { Server } from 'node:net';
import type { Socket } from 'node:net';

export class Listener {
  private servers: Server[] = [];
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(
    private readonly create: () => Server,
    private readonly host: string,
    private readonly alsoIpv6: boolean,
  ) {}

  private bind(server: Server, host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      server.once('error', onError);
      server.listen({ port, host, exclusive: true }, () => {
        server.off('error', onError);
        resolve();
      });
    });
  }

  private track(server: Server): Server {
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    // TLS handshakes that fail (e.g. a client not trusting the CA) must not crash the process.
    server.on('tlsClientError', () => undefined);
    server.on('clientError', (_err: Error, socket: Socket) => socket.destroy());
    return server;
  }

  get running(): boolean {
    return this.servers.length > 0;
  }

  async start(): Promise<void> {
    if (this.running) return;
    const main = this.track(this.create());
    await this.bind(main, this.host, this.port);
    const addr = main.address();
    if (!addr || typeof addr === 'string') throw new Error('listener has no port');
    this.port = addr.port;
    this.servers = [main];
    if (this.alsoIpv6) {
      const v6 = this.track(this.create());
      try {
        await this.bind(v6, '::1', this.port);
        this.servers.push(v6);
      } catch {
        v6.close(); // no IPv6 loopback here: 127.0.0.1 alone serves "localhost"
      }
    }
  }

  async stop(): Promise<void> {
    const servers = this.servers;
    this.servers = [];
    const closed = servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await Promise.all(closed);
  }
}
