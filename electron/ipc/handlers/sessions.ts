// sessions.* and admin.*: the renderer names a saved profile, never a host, so a token only goes
// where the person saved (and confirmed) a profile.
import type { ConnectPreflight } from '../connectPreflight.js';
import type { Handlers } from '../router.js';
import type { Services } from '../services.js';

type SessionHandlers = Pick<
  Handlers,
  | 'sessions.open'
  | 'sessions.close'
  | 'sessions.info'
  | 'sessions.query'
  | 'sessions.fetchMore'
  | 'sessions.cancel'
  | 'sessions.history'
  | 'admin.listPrincipals'
  | 'admin.createPrincipal'
  | 'admin.verifyAccess'
>;

export function sessionHandlers(s: Pick<Services, 'profiles' | 'sessions'>, preflight?: Pick<ConnectPreflight, 'begin'>): SessionHandlers {
  return {
    'sessions.open': async ({ profileId, fresh, attemptId }) => {
      const profile = await s.profiles.get(profileId);
      // The Azure pre-flight runs beside the connect and reports through events; it never delays or fails it.
      const checks = preflight?.begin(profile, attemptId);
      try {
        const sessionId = await s.sessions.open(profile, fresh ? { fresh: true } : {});
        checks?.succeeded();
        return s.sessions.info(sessionId);
      } catch (e) {
        checks?.failed(e);
        throw e;
      }
    },
    'sessions.close': async ({ sessionId }) => {
      await s.sessions.close(sessionId);
      return { closed: true };
    },
    'sessions.info': async ({ sessionId }) => s.sessions.info(sessionId),
    'sessions.query': ({ sessionId, sql, pageSize, queryId }) => s.sessions.query(sessionId, sql, { ...(pageSize === undefined ? {} : { pageSize }), ...(queryId === undefined ? {} : { queryId }) }),
    'sessions.fetchMore': ({ sessionId, queryId, count }) => s.sessions.fetchMore(sessionId, queryId, count),
    'sessions.cancel': async ({ sessionId, queryId }) => ({ cancelled: await s.sessions.cancel(sessionId, queryId) }),
    'sessions.history': async ({ sessionId }) => ({ entries: s.sessions.history(sessionId) }),
    'admin.listPrincipals': ({ sessionId, adminsOnly }) => s.sessions.listPrincipals(sessionId, adminsOnly),
    'admin.createPrincipal': (input) => s.sessions.createPrincipal(input),
    'admin.verifyAccess': (input) => s.sessions.verifyAccess(input),
  };
}
