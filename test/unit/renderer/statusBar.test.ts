// The status bar's PIM end for screen readers (renderer/features/sessions/StatusBar.tsx): the
// badge ticks every second, so it is no live region; a separate alert says once that the
// membership is about to end, and once that it ended — its text does not change in between.
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { StatusBar, pimAnnouncement, pimEndText } from '../../../renderer/features/sessions/StatusBar.js';
import { SESSION_INFO } from '../ipc/fixtures.js';

const END = Date.parse('2026-05-01T12:00:00Z');
const before = (ms: number): number => END - ms;

describe('pimAnnouncement', () => {
  it('is silent until the warning starts, then the same text every tick until the end, then the end once', () => {
    const end = new Date(END).toISOString();
    expect(pimAnnouncement(end, before(11 * 60_000))).toBe('');
    const warning = pimAnnouncement(end, before(10 * 60_000 - 1));
    expect(warning).toMatch(/^The PIM membership ends at .+: new logins are refused after it\.$/);
    const ticks = Array.from({ length: 600 }, (_, i) => before(10 * 60_000 - 1 - i * 1000));
    // The badge's text changes while the announcement does not.
    expect(new Set(ticks.map((t) => pimEndText(end, t)?.text)).size).toBeGreaterThan(1);
    expect(new Set(ticks.map((t) => pimAnnouncement(end, t)))).toEqual(new Set([warning]));
    const ended = pimAnnouncement(end, END);
    expect(ended).toBe('The PIM membership ended: new logins are refused. This session goes on.');
    expect(pimAnnouncement(end, END + 60_000)).toBe(ended);
    expect(pimAnnouncement(null, END)).toBe('');
  });
});

describe('StatusBar', () => {
  it('the ticking PIM badge is no alert; the alert holds the announcement, not the countdown', () => {
    const html = renderToStaticMarkup(createElement(StatusBar, { info: SESSION_INFO, renewedAt: null, pimEndsAt: new Date(Date.now() + 5 * 60_000).toISOString() }));
    const badge = /<span[^>]*data-testid="pim-status"[^>]*>/.exec(html)?.[0] ?? '';
    expect(badge).toContain('badge warn');
    expect(badge).not.toContain('role=');
    const alerts = [...html.matchAll(/<span[^>]*role="alert"[^>]*>([^<]*)<\/span>/g)].map((m) => m[1]);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatch(/^The PIM membership ends at /);
    expect(alerts[0]).not.toMatch(/\bin \d/);
  });
});
