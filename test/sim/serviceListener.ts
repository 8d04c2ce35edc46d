// A simulated service's own loopback HTTPS listener for the localhost mode (Resource Manager's,
// Graph's). It starts before its service so the Entra simulator can be told the endpoint (a custom
// cloud's token audience for the service is its origin); until then every request gets the
// service's own 503.
import { createServer as createHttpsServer } from 'node:https';
import type { TlsMaterial } from './ca.js';
import { HostNames, httpsBindPlan } from './entra/hosts.js';
import type { HttpHandler } from './entra/index.js';
import { Listener } from './entra/server.js';

/** A service that serves a request knowing where the client reached it (`origin`). */
export interface OriginService {
  handle(origin: string): HttpHandler;
}

export interface ServiceListener<S extends OriginService> {
  /** `https://localhost:PORT`: the custom cloud's endpoint for the service. */
  origin: string;
  /** Starts answering (until then every request is 503: the listener exists before its service). */
  serve(service: S): void;
  close(): Promise<void>;
}

/** `starting`: the service's 503 while it is not there yet. */
export async function startServiceListener<S extends OriginService>(tls: TlsMaterial, starting: HttpHandler): Promise<ServiceListener<S>> {
  let service: S | undefined;
  const listener: Listener = new Listener(
    () =>
      createHttpsServer({ cert: tls.certPem, key: tls.keyPem, minVersion: 'TLSv1.2' }, (req, res) => {
        if (!service) return starting(req, res);
        service.handle(names.originOf(req.headers.host))(req, res);
      }),
    await httpsBindPlan(undefined),
  );
  const names = new HostNames(undefined, () => listener.port);
  await listener.start();
  return {
    origin: names.authorityHost,
    serve: (s) => void (service = s),
    close: () => listener.stop(),
  };
}
