// Which account profiles imported from pgAdmin in the desktop app get: the one signed-in account
// of the import's cloud, never a guess among several.
import { describe, expect, it } from 'vitest';
import { CHOOSE_ACCOUNT_NOTE, importAccountFor } from '../../../electron/services.js';

const account = (username: string) => ({ username, homeAccountId: `${username}.tid`, tenantId: 'tid', environment: 'login.example' });

function broker(byCloud: Record<string, ReturnType<typeof account>[] | Error>) {
  return {
    listAccounts: async (cloud: string) => {
      const v = byCloud[cloud] ?? [];
      if (v instanceof Error) throw v;
      return v;
    },
  } as unknown as Parameters<typeof importAccountFor>[0];
}

describe('importAccountFor', () => {
  it('one signed-in account for the cloud → that account', async () => {
    expect(await importAccountFor(broker({ public: [account('alice@contoso.example')], usgov: [account('bob@contoso.example')] }), 'public')).toBe('alice@contoso.example');
  });

  it('none, several, or an unreadable cloud → no account (the report asks to choose one)', async () => {
    expect(await importAccountFor(broker({}), 'public')).toBeUndefined();
    expect(await importAccountFor(broker({ public: [account('alice@contoso.example'), account('adm-alice@contoso.example')] }), 'public')).toBeUndefined();
    expect(await importAccountFor(broker({ '/x/cloud.json': new Error('unreadable') }), '/x/cloud.json')).toBeUndefined();
    expect(CHOOSE_ACCOUNT_NOTE).toMatch(/choose the account in the profile editor/);
  });
});
