// The simulated Microsoft Graph, as far as pgEntra needs it: PIM for Groups (eligibilities,
// active assignments, self-activation with the group's policy, approval, deactivation), the
// groups' PIM policies, `/groups/{id}` and `/me`, in Graph v1.0's wire format. In the public-cloud
// mode it answers as graph.microsoft.com (& the national hosts) on the Entra simulator's listener;
// on localhost it has its own HTTPS listener (startGraphListener). The PIM state it serves is the
// one Entra's tokens read group membership from (test/sim/pim/).
import type { TlsMaterial } from '../ca.js';
import type { EntraSim, HttpHandler } from '../entra/index.js';
import type { Jwk } from '../entra/keys.js';
import { approveRequest, denyRequest } from '../pim/activation.js';
import type { PimRequest, PimStore, RequestStatus } from '../pim/store.js';
import { startServiceListener, type ServiceListener } from '../serviceListener.js';
import type { PimPolicy, PimPolicyInput } from '../types.js';
import { GraphAuthenticator } from './auth.js';
import { GRAPH_HOSTS } from './clouds.js';
import { GraphResponder } from './http.js';
import { handleGraph, type GraphRequestKind } from './routes.js';

export { GRAPH_APP_ID, GRAPH_HOSTS } from './clouds.js';
export type { GraphRequestKind } from './routes.js';

/** A PIM request as tests read it: who, which group, what PIM decided. */
export interface PimRequestRecord {
  id: string;
  action: PimRequest['action'];
  upn: string;
  group: string;
  status: RequestStatus;
  justification: string | null;
  ticketNumber: string | null;
  ticketSystem: string | null;
  /** The requested activation length (ms); 0 for a deactivation. */
  durationMs: number;
  approvalId: string | null;
  createdAt: Date;
}

export interface GraphControl {
  /** An approver approves a PendingApproval request: Provisioned, the activation starts now (and reaches tokens after the delay). */
  approvePimRequest(id: string): void;
  /** An approver denies a PendingApproval request: Denied. */
  denyPimRequest(id: string): void;
  /** Changes a group's PIM policy (`policy` over the current one). */
  setPimPolicy(group: string, policy: PimPolicyInput): PimPolicy;
  /** Every assignment schedule request so far, oldest first. */
  pimRequests(): PimRequestRecord[];
  /** The activation of `upn` in `group` ends now (as at its end time): new tokens lack the group. Throws when none is active. */
  expireActivation(upn: string, group: string): void;
  /** How long an activation takes to reach tokens from now on (ms; default 3000). */
  setActivationDelay(ms: number): void;
  /** `upn` becomes eligible for `group` (default policy unless set) and stops being a permanent member. */
  addPimEligibility(upn: string, group: string): void;
  /** Requests by kind; total when omitted. */
  requestCount(kind?: GraphRequestKind): number;
  resetCounters(): void;
}

export interface GraphService {
  control: GraphControl;
  /** Serves one request; `origin` is where the client reached Graph. */
  handle(origin: string): HttpHandler;
}

export interface GraphServiceOptions {
  store: PimStore;
  /** The Entra simulator's published keys: tokens are verified in process. */
  signingKeys: readonly Jwk[];
}

export function createGraphService(opts: GraphServiceOptions): GraphService {
  const { store } = opts;
  const dir = store.directory;
  const auth = new GraphAuthenticator(opts.signingKeys, [dir.tenant.id, ...dir.externalTenants.map((t) => t.id)]);
  const counts = new Map<string, number>();
  const count = (kind: GraphRequestKind): void => void counts.set(kind, (counts.get(kind) ?? 0) + 1);
  const record = (r: PimRequest): PimRequestRecord => ({
    id: r.id,
    action: r.action,
    upn: store.userById(r.principalId)?.upn ?? r.principalId,
    group: store.groupById(r.groupId)?.displayName ?? r.groupId,
    status: r.status,
    justification: r.justification,
    ticketNumber: r.ticketNumber,
    ticketSystem: r.ticketSystem,
    durationMs: r.durationMs,
    approvalId: r.approvalId,
    createdAt: new Date(r.createdAt),
  });

  const control: GraphControl = {
    approvePimRequest: (id) => void approveRequest(store, id),
    denyPimRequest: (id) => void denyRequest(store, id),
    setPimPolicy: (group, policy) => store.setPolicy(group, policy),
    pimRequests: () => store.allRequests().map(record),
    expireActivation(upn, group) {
      if (!store.endActivation(store.user(upn).objectId, store.group(group).objectId)) throw new Error(`${upn} has no active activation in ${group}`);
    },
    setActivationDelay: (ms) => store.setActivationDelay(ms),
    addPimEligibility: (upn, group) => void store.addEligibility(upn, group),
    requestCount: (kind) => (kind === undefined ? [...counts.values()].reduce((a, b) => a + b, 0) : (counts.get(kind) ?? 0)),
    resetCounters: () => counts.clear(),
  };

  return {
    control,
    handle: (origin) => (req, res) => {
      const out = new GraphResponder(req, res);
      handleGraph({ store, auth, tenantId: dir.tenant.id, count }, origin, req, out).catch(() => {
        // A bug or a broken client must not crash the simulator.
        if (!out.headersSent) out.error(500, { code: 'generalException', message: 'General exception while processing' });
        else out.destroy();
      });
    },
  };
}

/** The public-cloud mode: Graph answers on the login listener for requests to Graph's hosts. */
export function mountOnLoginListener(entra: Pick<EntraSim, 'mountHost'>, service: GraphService): void {
  entra.mountHost(GRAPH_HOSTS, (req, res) => service.handle(`https://${(req.headers.host ?? GRAPH_HOSTS[0]).toLowerCase()}`)(req, res));
}

/** Graph's own loopback listener for the localhost mode; `origin` is the custom cloud's graphEndpoint. */
export type GraphListener = ServiceListener<GraphService>;

export function startGraphListener(tls: TlsMaterial): Promise<GraphListener> {
  return startServiceListener<GraphService>(tls, (req, res) => new GraphResponder(req, res).error(503, { code: 'serviceNotAvailable', message: 'The simulator is starting.' }));
}
