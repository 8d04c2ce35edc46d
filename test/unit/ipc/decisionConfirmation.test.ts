// The main process's dialog before a token may go somewhere new: it names exactly what would be
// allowed, Cancel is the default, and only the confirm button says yes.
import { describe, expect, it } from 'vitest';
import { createDecisionConfirmation, decisionDialogOptions } from '../../../electron/shell/decisionConfirmation.js';
import type { TokenTargetDecision } from '../../../electron/ipc/services.js';

const DECISIONS: TokenTargetDecision[] = [
  { kind: 'non-azure-host', profileName: 'Lab', host: 'pg.lab.example', port: 6432, cloud: 'public', domains: ['.postgres.database.azure.com'] },
  { kind: 'weaker-tls', profileName: 'Lab', host: 'pg.lab.example', port: 6432, sslmode: 'require' },
  { kind: 'custom-cloud', profileName: 'Lab', file: '/home/me/cloud.json', sha256: 'a'.repeat(64), lines: ['Authority: https://login.sim.example', 'PostgreSQL hosts: .sim.example'] },
  {
    kind: 'import-host',
    host: 'pg.lab.example',
    cloud: 'public',
    servers: [
      { name: 'lab', port: 5432 },
      { name: 'lab pooler', port: 6432 },
    ],
  },
  { kind: 'firewall-rule', profileName: 'Prod', host: 'prod.postgres.database.azure.com', server: 'prod', ruleName: 'pgentra-203-0-113-7', ip: '203.0.113.7' },
];

describe('decision dialog', () => {
  it.each(DECISIONS.map((d) => [d.kind, d] as const))('%s: shows the exact values, Cancel by default', (_kind, d) => {
    const o = decisionDialogOptions(d);
    const text = `${o.message}\n${o.detail}`;
    expect(o).toMatchObject({ type: 'warning', defaultId: 0, cancelId: 0, noLink: true });
    expect(o.buttons[0]).toBe('Cancel');
    if (d.kind === 'non-azure-host') expect(text).toMatch(/pg\.lab\.example:6432[\s\S]*Port: 6432[\s\S]*\*\.postgres\.database\.azure\.com/);
    if (d.kind === 'weaker-tls') expect(text).toMatch(/sslmode=require[\s\S]*Port: 6432/);
    if (d.kind === 'custom-cloud') expect(text).toMatch(/\/home\/me\/cloud\.json[\s\S]*login\.sim\.example[\s\S]*\.sim\.example[\s\S]*a{64}/);
    if (d.kind === 'import-host') expect(text).toMatch(/pg\.lab\.example[\s\S]*lab \(pg\.lab\.example:5432\), lab pooler \(pg\.lab\.example:6432\)[\s\S]*their ports only/);
    if (d.kind === 'firewall-rule') expect(text).toMatch(/pgentra-203-0-113-7[\s\S]*prod[\s\S]*203\.0\.113\.7 – 203\.0\.113\.7/);
  });

  it('only the confirm button says yes', async () => {
    const d = DECISIONS[0] as TokenTargetDecision;
    expect(await createDecisionConfirmation(async () => ({ response: 1 }))(d)).toBe(true);
    expect(await createDecisionConfirmation(async () => ({ response: 0 }))(d)).toBe(false);
    expect(await createDecisionConfirmation(async () => ({ response: -1 }))(d)).toBe(false);
  });
});
