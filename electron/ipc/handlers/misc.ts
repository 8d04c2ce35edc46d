// interop.* (pgAdmin servers.json), app.info, app.saveFile and settings.*.
import { PgEntraError } from '../../../shared/errors.js';
import type { Handlers } from '../router.js';
import type { Services, SettingsService } from '../services.js';

type MiscHandlers = Pick<Handlers, 'interop.exportPgAdmin' | 'interop.importPgAdmin' | 'app.info' | 'app.saveFile' | 'settings.get' | 'settings.set'>;

export function miscHandlers(s: Pick<Services, 'interop' | 'profiles' | 'appInfo' | 'saveFile' | 'settings'>): MiscHandlers {
  const settings = (): SettingsService => {
    if (!s.settings) throw new PgEntraError('internal', 'Settings are not available in this build of pgEntra.', { details: { capability: 'settings' } });
    return s.settings;
  };
  return {
    'interop.exportPgAdmin': async ({ profileIds }) => {
      const all = await s.profiles.list();
      const wanted = profileIds.length === 0 ? all : all.filter((p) => profileIds.includes(p.id));
      return s.interop.exportPgAdmin(wanted);
    },
    // allowedHosts is the renderer's request; the interop service confirms each host in the main process.
    'interop.importPgAdmin': ({ json, conflict, allowedHosts }) => s.interop.importPgAdmin(json, conflict, allowedHosts),
    'app.info': async () => s.appInfo(),
    'app.saveFile': (req) => s.saveFile(req),
    'settings.get': () => settings().get(),
    'settings.set': ({ settings: next }) => settings().set(next),
  };
}
