// Every contract call's handler, built from the services.
import type { Handlers } from '../router.js';
import type { Services } from '../services.js';
import { accountHandlers } from './accounts.js';
import { miscHandlers } from './misc.js';
import { profileHandlers } from './profiles.js';
import { sessionHandlers } from './sessions.js';

export function createHandlers(services: Services): Handlers {
  return { ...profileHandlers(services), ...accountHandlers(services), ...sessionHandlers(services), ...miscHandlers(services) };
}
