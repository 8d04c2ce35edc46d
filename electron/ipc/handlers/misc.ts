// interop.* (pgAdmin servers.json), app.info and app.saveFile.
import type { Handlers } from '../router.js';
import type { Services } from '../services.js';

type MiscHandlers = Pick<Handlers, 'interop.exportPgAdmin' | 'interop.importPgAdmin' | 'app.info' | 'app.saveFile'>;

export function miscHandlers(s: Pick<Services, 'interop' | 'profiles' | 'appInfo' | 'saveFile'>): MiscHandlers {
  return {
    'interop.exportPgAdmin': async ({ profileIds }) => {
      const all = await s.profiles.list();
      const wanted = profileIds.length === 0 ? all : all.filter((p) => profileIds.includes(p.id));
      return s.interop.exportPgAdmin(wanted);
    },
    'interop.importPgAdmin': ({ json, conflict, allowedHosts }) => s.interop.importPgAdmin(json, conflict, allowedHosts),
    'app.info': async () => s.appInfo(),
    'app.saveFile': (req) => s.saveFile(req),
  };
}
