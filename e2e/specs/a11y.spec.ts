// The automated accessibility check (axe-core): no serious or critical
// violation on the overview, the jobs table and a job's detail, in both themes.
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { api } from '../support/api.js';
import { expect, test } from '../support/fixtures.js';
import { openDashboard, openJob } from '../support/page.js';

/** What axe found at these impacts, one readable line per rule and element. */
async function seriousViolations(page: Page, include?: string): Promise<string[]> {
  let builder = new AxeBuilder({ page });
  if (include) builder = builder.include(include);
  const { violations } = await builder.analyze();
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) =>
      v.nodes.map((n) => `${v.id} (${v.impact}): ${n.target.join(' ')} — ${n.failureSummary}`),
    );
}

for (const colorScheme of ['dark', 'light'] as const) {
  test(`no serious or critical violations, ${colorScheme} theme`, async ({ page }) => {
    const done = await api.submit({ task: 'echo', input: { a11y: colorScheme } });
    const failed = await api.submit({ task: 'permanent', input: { a11y: colorScheme } });
    await expect.poll(async () => (await api.get(failed.id)).state).toBe('failed');
    await expect.poll(async () => (await api.get(done.id)).state).toBe('succeeded');

    await page.emulateMedia({ colorScheme, reducedMotion: 'reduce' });
    await openDashboard(page);
    await expect(page.getByRole('button', { name: `Open job ${failed.id}` })).toBeVisible();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe(colorScheme);

    // The overview: header, charts, nodes, categories, schedules, load panel.
    expect(await seriousViolations(page), 'overview').toEqual([]);
    // The jobs table on its own (its rows change while the page runs).
    expect(await seriousViolations(page, 'section.jobs'), 'jobs table').toEqual([]);

    // A job's detail, a failed one (error box, retry buttons) and a finished one.
    for (const job of [failed, done]) {
      const detail = await openJob(page, job.id);
      const { state } = await api.get(job.id);
      await expect(detail.getByText(state, { exact: true }).first()).toBeVisible();
      expect(await seriousViolations(page, '[data-testid="job-detail"]'), 'job detail').toEqual([]);
    }
  });
}

test('Tab reaches the controls, and each shows where the focus is', async ({ page }) => {
  const job = await api.submit({ task: 'echo', input: { tab: true } });
  await openDashboard(page);
  await expect(page.getByRole('button', { name: `Open job ${job.id}` })).toBeVisible();
  const reached = new Set<string>();
  const unseen: string[] = [];
  let first: string | null = null;
  for (let i = 0; i < 400; i++) {
    await page.keyboard.press('Tab');
    const focus = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body) return null;
      // A radio of a segmented switch is drawn by the span after it.
      const drawn =
        el instanceof HTMLInputElement && el.type === 'radio'
          ? (el.nextElementSibling as HTMLElement)
          : el;
      const style = getComputedStyle(drawn);
      const ring = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
      const name =
        el.getAttribute('aria-label') ??
        (el as HTMLInputElement).labels?.[0]?.textContent ??
        el.textContent ??
        el.tagName;
      return { name: name.replace(/\s+/g, ' ').trim(), ring };
    });
    if (focus === null) continue;
    // Round the page once: back at the first control.
    if (focus.name === first) break;
    first ??= focus.name;
    if (!focus.ring) unseen.push(focus.name);
    reached.add(focus.name);
  }
  for (const name of [
    'Auto',
    'By category',
    'Load category',
    'Generate load',
    'Pause default',
    'Weight of default',
    `Open job ${job.id}`,
    'Refresh jobs',
  ]) {
    expect([...reached], name).toContain(name);
  }
  expect(unseen, 'focused without a visible ring').toEqual([]);
});
