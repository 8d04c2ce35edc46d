// Every contract call's handler, built from the services. The connect pre-flight is shared by
// sessions.open (which runs it) and azure.allowMyIp (which adds only the fixes it offered).
import { createConnectPreflight } from '../connectPreflight.js';
import type { Handlers } from '../router.js';
import type { Services } from '../services.js';
import { accountHandlers } from './accounts.js';
import { azureHandlers } from './azure.js';
import { miscHandlers } from './misc.js';
import { pimHandlers } from './pim.js';
import { profileHandlers } from './profiles.js';
import { sessionHandlers } from './sessions.js';

export function createHandlers(services: Services): Handlers {
  const preflight = createConnectPreflight({
    azure: services.azure,
    events: services.events,
    ...(services.postgresDomainsOf ? { postgresDomainsOf: services.postgresDomainsOf } : {}),
  });
  return {
    ...profileHandlers(services),
    ...accountHandlers(services),
    ...sessionHandlers(services, preflight),
    ...miscHandlers(services),
    ...azureHandlers(services, preflight),
    ...pimHandlers(services),
  };
}
