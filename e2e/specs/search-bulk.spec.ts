/**
 * Search and bulk actions in the jobs table (issue 14): the search box finds
 * a job by a unique string in its input as you type; "select all matching
 * this filter" then Retry is one POST /api/jobs/bulk for 200 failed jobs, and
 * they run again.
 */
import AxeBuilder from '@axe-core/playwright';
import type { Job } from '@cadre/client';
import { expect, test } from '../support/fixtures.js';
import { api } from '../support/api.js';
import { keepScreenshot, openDashboard } from '../support/page.js';

/** Every job matching `q` in `state`, over all pages. */
async function matching(q: string, state: Job['state']): Promise<Job[]> {
  const jobs: Job[] = [];
  let cursor: string | undefined;
  do {
    const page = await api.list({ q, state, limit: 1000, cursor });
    jobs.push(...page.jobs);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return jobs;
}

test('the search box finds a job by a unique string in its input, as you type', async ({
  page,
}, testInfo) => {
  await api.patchCategory('reports', { paused: true });
  const unique = `Marmalade-${Date.now().toString(36)}`;
  const [wanted] = await api.submit([
    { task: 'echo', category: 'reports', input: { note: `order of ${unique}` } },
    { task: 'echo', category: 'reports', input: { note: 'plain toast' } },
  ]);
  await openDashboard(page);
  const box = page.getByRole('searchbox', { name: 'Search', exact: true });
  await expect(box).toBeVisible();
  // Typed, not submitted: the table follows once typing pauses, in any case.
  await box.pressSequentially(unique.toUpperCase().slice(0, -2), { delay: 20 });
  const rows = page.locator('.jobs tbody tr');
  await expect(rows).toHaveCount(1);
  await expect(page.getByRole('button', { name: `Open job ${wanted!.id}` })).toBeVisible();
  // It combines with the filters.
  await page.getByLabel('Filter by state').selectOption('failed');
  await expect(page.getByText(/No job matches/)).toBeVisible();
  await page.getByLabel('Filter by state').selectOption('queued');
  await expect(rows).toHaveCount(1);
  await keepScreenshot(page, testInfo, 'jobs-search', page.locator('.jobs'));
  await box.fill('');
  await expect(rows).not.toHaveCount(1);
});

test('a bulk retry of 200 failed jobs is one request, and they run again', async ({
  page,
}, testInfo) => {
  test.setTimeout(120_000);
  const tag = `bulk-${Date.now().toString(36)}`;
  await api.submit(
    Array.from({ length: 200 }, (_, i) => ({
      task: 'permanent',
      category: 'images',
      input: { tag, i },
    })),
  );
  await expect
    .poll(async () => (await matching(tag, 'failed')).length, { timeout: 60_000 })
    .toBe(200);
  const before = new Map((await matching(tag, 'failed')).map((j) => [j.id, j.finishedAt!]));
  // Paused, the retried jobs stay queued where the test can count them.
  await api.patchCategory('images', { paused: true });

  await openDashboard(page);
  await page.getByLabel('Filter by category').selectOption('images');
  await page.getByLabel('Filter by state').selectOption('failed');
  const searched = page.waitForResponse((res) => res.url().includes(`q=${tag}`));
  await page.getByRole('searchbox', { name: 'Search', exact: true }).fill(tag);
  await searched;
  const rows = page.locator('.jobs tbody tr');
  await expect(rows).toHaveCount(25);

  const changes: string[] = [];
  page.on('request', (req) => {
    if (req.method() !== 'GET' && new URL(req.url()).pathname.startsWith('/api/')) {
      changes.push(`${req.method()} ${new URL(req.url()).pathname}`);
    }
  });

  await page.getByRole('checkbox', { name: 'Select every job on this page' }).check();
  const bar = page.getByRole('region', { name: 'Selected jobs' });
  await expect(bar.getByTestId('bulk-count')).toHaveText('25 jobs selected.');
  await bar.getByRole('button', { name: 'Select all matching this filter' }).click();
  await expect(bar.getByTestId('bulk-count')).toHaveText(
    'All 200 jobs matching this filter selected.',
  );
  await bar.getByRole('button', { name: 'Retry the selected jobs' }).click();
  const confirm = page.getByRole('alertdialog');
  await expect(confirm).toContainText('Retry 200 jobs matching this filter?');
  const go = confirm.getByRole('button', { name: 'Retry 200 jobs' });
  await expect(go).toBeFocused();
  await keepScreenshot(page, testInfo, 'jobs-bulk-confirm', page.locator('.jobs'));
  await go.click();
  await expect(page.getByText('Retried 200 jobs.')).toBeVisible();
  expect(changes).toEqual(['POST /api/jobs/bulk']);

  expect(await matching(tag, 'queued')).toHaveLength(200);
  await api.patchCategory('images', { paused: false });
  // They run again: failed once more, each later than the first time.
  await expect
    .poll(
      async () =>
        (await matching(tag, 'failed')).filter((j) => j.finishedAt! > before.get(j.id)!).length,
      { timeout: 60_000 },
    )
    .toBe(200);
});

test('the selection and its actions work from the keyboard', async ({ page }) => {
  await api.patchCategory('email', { paused: true });
  const tag = `keys-${Date.now().toString(36)}`;
  const jobs = await api.submit(
    [0, 1, 2].map((i) => ({ task: 'echo', category: 'email', input: { tag, i } })),
  );
  await openDashboard(page);
  const searched = page.waitForResponse((res) => res.url().includes(`q=${tag}`));
  await page.getByRole('searchbox', { name: 'Search', exact: true }).fill(tag);
  await searched;
  await expect(page.locator('.jobs tbody tr')).toHaveCount(3);
  const first = page.getByRole('checkbox', { name: `Select job ${jobs[0]!.id}` });
  await first.focus();
  await page.keyboard.press('Space');
  await expect(first).toBeChecked();
  const bar = page.getByRole('region', { name: 'Selected jobs' });
  await expect(bar.getByTestId('bulk-count')).toHaveText('1 job selected.');
  await bar.getByRole('button', { name: 'Cancel the selected jobs' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('alertdialog')).toContainText('Cancel 1 job?');
  // The selection, the bar and the confirmation pass the accessibility check.
  const { violations } = await new AxeBuilder({ page }).include('.jobs').analyze();
  expect(
    violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
  ).toEqual([]);
  await page.keyboard.press('Escape');
  await expect(page.getByRole('alertdialog')).toHaveCount(0);
  await expect(bar.getByRole('button', { name: 'Cancel the selected jobs' })).toBeFocused();
  await page.keyboard.press('Enter');
  await page.keyboard.press('Enter');
  await expect(page.getByText('Cancelled 1 job.')).toBeVisible();
  expect((await api.get(jobs[0]!.id)).state).toBe('cancelled');
  expect((await api.get(jobs[1]!.id)).state).toBe('queued');
});
