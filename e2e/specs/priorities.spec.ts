import { expect, test } from '../support/fixtures.js';
import { api } from '../support/api.js';
import { categoryCard, keepScreenshot, openDashboard, openJob } from '../support/page.js';

test('the jobs table shows priorities and sorts its page by them; the detail shows one', async ({
  page,
}) => {
  await api.patchCategory('email', { paused: true });
  const jobs = await api.submit(
    [1, 9, -4].map((priority, i) => ({ task: 'echo', category: 'email', input: { i }, priority })),
  );
  await openDashboard(page);
  await page.getByLabel('Filter by category').selectOption('email');
  await page.getByLabel('Filter by state').selectOption('queued');
  const priorities = page.locator('.jobs tbody').getByTestId('job-priority');
  // Newest first, as the API pages them.
  await expect(priorities).toHaveText(['-4', '9', '1']);
  await page.getByRole('button', { name: 'Sort this page by priority' }).click();
  await expect(priorities).toHaveText(['9', '1', '-4']);
  await page.getByRole('button', { name: 'Sorted by priority; sort newest first' }).click();
  await expect(priorities).toHaveText(['-4', '9', '1']);

  const detail = await openJob(page, jobs[1]!.id);
  await expect(detail.getByTestId('job-priority')).toHaveText('9');
});

test("a category's rate limit is set from its card, which says when the limit holds it", async ({
  page,
}, testInfo) => {
  await openDashboard(page);
  const card = categoryCard(page, 'reports');
  await card.getByLabel('Rate limit starts of reports').fill('1');
  await card.getByLabel('Rate limit window of reports in ms').fill('60000');
  await page.getByRole('button', { name: 'Save settings of reports' }).click();
  await expect(page.getByText('reports: settings saved')).toBeVisible();
  await expect(card.getByTestId('rate-limit')).toHaveText('1 per 1m 00s');
  expect((await api.categories()).find((c) => c.name === 'reports')?.rateLimit).toEqual({
    max: 1,
    perMs: 60_000,
  });

  await api.submit([1, 2, 3].map((n) => ({ task: 'fib', category: 'reports', input: { n } })));
  await expect(card.getByTestId('rate-held')).toBeVisible();
  await expect(card.getByTestId('queued')).toHaveText('2');
  await keepScreenshot(page, testInfo, 'category-rate-limited', card);

  // Lifted from the editor: both fields emptied.
  await card.getByLabel('Rate limit starts of reports').fill('');
  await card.getByLabel('Rate limit window of reports in ms').fill('');
  await page.getByRole('button', { name: 'Save settings of reports' }).click();
  await expect(card.getByTestId('rate-limit')).toHaveCount(0);
  await expect(card.getByTestId('rate-held')).toHaveCount(0);
  await expect(card.getByTestId('queued')).toHaveText('0');
});
