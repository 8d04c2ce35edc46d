// Listener lifecycle: bind every planned address on one port (the first fixes a random port;
// optional ones, like ::1 on a machine without IPv6, may fail), stop for 'refused' outages,
// restart on the same port, and close every socket on stop.
import type { Server, Socket } from 'node:net';
import type { BindPlan } from './hosts.js';

export class Listener {
  private servers: Server[] = [];
  private readonly sockets = new Set<Socket>();
  port: number;

  constructor(
    private readonly create: () => Server,
    private readonly plan: BindPlan,
  ) {
    this.port = plan.port;
  }

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

  /** The first bound address (where a test without the namespace connects). */
  get address(): string {
    const addr = this.servers[0]?.address();
    return addr && typeof addr !== 'string' ? addr.address : (this.plan.addresses[0]?.address ?? '');
  }

  async start(): Promise<void> {
    if (this.running) return;
    const servers: Server[] = [];
    try {
      for (const { address, required } of this.plan.addresses) {
        const server = this.track(this.create());
        try {
          await this.bind(server, address, this.port);
        } catch (e) {
          server.close();
          if (required) throw e;
          continue;
        }
        servers.push(server);
        const addr = server.address();
        if (!addr || typeof addr === 'string') throw new Error('listener has no port');
        this.port = addr.port;
      }
    } catch (e) {
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
      throw e;
    }
    this.servers = servers;
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
