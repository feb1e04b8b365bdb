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
