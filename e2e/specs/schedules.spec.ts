import { expect, test } from '../support/fixtures.js';
import { api } from '../support/api.js';
import { openDashboard } from '../support/page.js';

test('the schedules panel shows a schedule running and pauses it', async ({ page }) => {
  await api.saveSchedule({ name: 'e2e-tick', everyMs: 500, job: { task: 'echo', input: 'e2e' } });
  try {
    await openDashboard(page);
    const row = page.getByTestId('schedule-e2e-tick');
    await expect(row).toContainText('every 500ms');
    // A tick ran: the row names its job, which opens in the detail.
    const lastJob = row.getByRole('button', { name: /^0/ });
    await expect(lastJob).toBeVisible({ timeout: 10_000 });
    await row.getByRole('button', { name: 'Pause schedule e2e-tick' }).click();
    await expect(row.getByRole('button', { name: 'Resume schedule e2e-tick' })).toBeVisible();
    await expect(row).toContainText('paused');
    expect((await api.schedule('e2e-tick')).paused).toBe(true);
    await row.getByRole('button', { name: 'Resume schedule e2e-tick' }).click();
    await expect(row.getByRole('button', { name: 'Pause schedule e2e-tick' })).toBeVisible();
    expect((await api.schedule('e2e-tick')).paused).toBe(false);
  } finally {
    await api.deleteSchedule('e2e-tick');
  }
});

test('the observers panel shows each result as it arrives', async ({ page }) => {
  await api.saveObserver({ name: 'e2e-done', query: { state: 'succeeded' }, everyMs: 500 });
  try {
    await openDashboard(page);
    const row = page.getByTestId('observer-e2e-done');
    await expect(row).toContainText('state=succeeded');
    await expect(row.getByTestId('observer-count')).toHaveText(/^\d/, { timeout: 10_000 });
    const count = async () =>
      Number((await row.getByTestId('observer-count').textContent()) ?? '0');
    const before = await count();
    const job = await api.submit({ task: 'echo', input: 'seen by the observer' });
    await api.get(job.id, { waitMs: 5000 });
    // The next result, pushed over the socket, counts it.
    await expect.poll(count, { timeout: 10_000 }).toBeGreaterThan(before);
  } finally {
    await api.deleteObserver('e2e-done');
  }
});
