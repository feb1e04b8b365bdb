import { expect, test } from '../support/fixtures.js';
import { api, waitForState } from '../support/api.js';
import { keepScreenshot, openDashboard, openJob } from '../support/page.js';

test('a running job is cancelled from the UI', async ({ page }, testInfo) => {
  const job = await api.submit({ task: 'spin', category: 'default', input: { why: 'e2e' } });
  await waitForState(job.id, 'running');

  await openDashboard(page);
  const detail = await openJob(page, job.id);
  await expect(detail.getByTestId('job-state')).toHaveText('running');
  await expect(detail.getByLabel('Job input')).toContainText('"why": "e2e"');
  await keepScreenshot(page, testInfo, 'job-detail-running', detail);

  await detail.getByRole('button', { name: 'Cancel job' }).click();
  await expect(detail.getByTestId('job-state')).toHaveText('cancelled');
  await expect(detail.getByRole('button', { name: 'Cancel job' })).toBeDisabled();
  await expect(detail.getByRole('button', { name: 'Retry job' })).toBeEnabled();
  expect((await api.get(job.id)).state).toBe('cancelled');
});

test('a failed job is retried from the UI', async ({ page }, testInfo) => {
  const job = await api.submit({ task: 'permanent', category: 'images', input: { n: 1 } });
  const failed = await waitForState(job.id, 'failed');
  expect(failed.failure).toBe('permanent');
  // Paused, the retried job stays queued where the test can see it.
  await api.patchCategory('images', { paused: true });

  await openDashboard(page);
  const detail = await openJob(page, job.id);
  await expect(detail.getByTestId('job-state')).toHaveText('failed');
  await expect(detail.getByRole('note', { name: 'Last error' })).toContainText('permanent failure');
  await keepScreenshot(page, testInfo, 'job-detail-failed', detail);

  await detail.getByRole('button', { name: 'Retry job' }).click();
  await expect(detail.getByTestId('job-state')).toHaveText('queued');
  await expect(page.getByText(`Job ${job.id} queued again`)).toBeVisible();
  const retried = await api.get(job.id);
  expect(retried.state).toBe('queued');
  expect(retried.attempts).toBe(0);

  // Once the category runs again, the job runs again (and, being permanent, fails again).
  await api.patchCategory('images', { paused: false });
  await expect(detail.getByTestId('job-state')).toHaveText('failed');
  await expect(detail.getByTestId('job-attempts')).toHaveText('1');
});

test('the jobs table filters by category and state and pages with the cursor', async ({ page }) => {
  await api.patchCategory('email', { paused: true });
  const jobs = await api.submit(
    Array.from({ length: 30 }, (_, i) => ({ task: 'echo', category: 'email', input: { i } })),
  );
  await openDashboard(page);
  await page.getByLabel('Filter by category').selectOption('email');
  await page.getByLabel('Filter by state').selectOption('queued');
  const rows = page.locator('.jobs tbody tr');
  await expect(rows).toHaveCount(25);
  // Newest first.
  await expect(page.getByRole('button', { name: `Open job ${jobs.at(-1)?.id}` })).toBeVisible();
  await page.getByRole('button', { name: 'Older →' }).click();
  await expect(rows).toHaveCount(5);
  await expect(page.getByRole('button', { name: `Open job ${jobs[0]?.id}` })).toBeVisible();
  await page.getByRole('button', { name: '← Newer' }).click();
  await expect(rows).toHaveCount(25);
});

test('retry all failed in a category, from its card', async ({ page }) => {
  const jobs = await api.submit(
    Array.from({ length: 5 }, (_, i) => ({ task: 'permanent', category: 'email', input: { i } })),
  );
  for (const job of jobs) await waitForState(job.id, 'failed');
  await api.patchCategory('email', { paused: true });

  await openDashboard(page);
  await page.getByRole('button', { name: 'Retry all failed jobs of email' }).click();
  await expect(page.getByText(/^email: retried \d+ failed job\(s\)$/)).toBeVisible();
  const queued = await api.list({ category: 'email', state: 'queued', limit: 1000 });
  const queuedIds = new Set(queued.jobs.map((j) => j.id));
  for (const job of jobs) expect(queuedIds.has(job.id)).toBe(true);
});

test('a job is found by its idempotency key', async ({ page }) => {
  await api.patchCategory('reports', { paused: true });
  const key = `order-${Date.now()}`;
  const job = await api.submit({ task: 'echo', category: 'reports', key, input: { key } });
  await openDashboard(page);
  const detail = await openJob(page, key, job.id);
  await expect(detail.getByTestId('job-state')).toHaveText('queued');
  await expect(detail).toContainText(`key ${key}`);
});
