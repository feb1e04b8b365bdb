import type { Locator, Page } from '@playwright/test';
import { expect, test } from '../support/fixtures.js';
import { api, waitForState } from '../support/api.js';
import { WORKERS } from '../support/env.js';
import { keepScreenshot, openDashboard, openJob } from '../support/page.js';

const sleeps = (category: string, n: number, ms: number) =>
  Array.from({ length: n }, () => ({ task: 'sleep', category, input: { ms } }));

function nodeCard(page: Page, name: string): Locator {
  return page.getByRole('article', { name: `Node ${name}`, exact: true });
}

test('the nodes panel shows the local node as the live leader, with its threads and allocation', async ({
  page,
}, testInfo) => {
  const nodes = await api.nodes();
  expect(nodes).toHaveLength(1);
  const local = nodes[0]!;
  await openDashboard(page);

  const card = nodeCard(page, local.name);
  await expect(card.getByRole('heading', { name: local.name })).toBeVisible();
  await expect(card.getByText('leader')).toBeVisible();
  await expect(card.getByTestId('node-state')).toHaveText('live');
  await expect(card.getByTestId('node-workers')).toHaveText(String(WORKERS));
  await expect(card.getByTestId('node-heartbeat')).toHaveText(/^(just now|\d+s ago)$/);
  // Only a dead node can be removed.
  await expect(card.getByRole('button', { name: /Remove/ })).toHaveCount(0);

  // Work in two categories: the node's threads go to them, and the card says so.
  await api.submit([...sleeps('reports', 6, 20_000), ...sleeps('images', 6, 20_000)]);
  const threads = card.getByRole('list', { name: `Threads of ${local.name} by category` });
  await expect(threads.getByRole('listitem').filter({ hasText: 'reports' })).toBeVisible();
  await expect(threads.getByRole('listitem').filter({ hasText: 'images' })).toBeVisible();
  // Every thread busy. Jobs claimed into a batch count as running before their
  // turn comes, so a category whose measured jobs are short (other specs ran
  // echo in it) shows more running jobs than threads.
  await expect
    .poll(async () => Number(await card.getByTestId('node-running').textContent()))
    .toBeGreaterThanOrEqual(WORKERS);
  const slots = await threads.getByRole('listitem').locator('strong').allInnerTexts();
  expect(slots.map(Number).reduce((a, b) => a + b, 0)).toBe(WORKERS);
  await keepScreenshot(page, testInfo, 'nodes-panel', card);

  // The allocation chart, split by node, from the keyboard: the node holds every thread.
  const chart = page.getByTestId('chart-allocation');
  const byCategory = page.getByRole('radio', { name: 'By category' });
  await byCategory.focus();
  await page.keyboard.press('ArrowRight');
  await expect(page.getByRole('radio', { name: 'By node' })).toBeChecked();
  await expect(chart.getByText('Worker threads allocated on each node')).toBeVisible();
  await expect(chart.locator('.u-legend')).toContainText(local.name);
  await expect
    .poll(async () => Number(await chart.getAttribute('data-latest-total')))
    .toBe(WORKERS);
  await keepScreenshot(page, testInfo, 'allocation-by-node', chart);

  await page.keyboard.press('ArrowLeft');
  await expect(byCategory).toBeChecked();
  await expect(chart.locator('.u-legend')).toContainText('reports');
});

test('the job detail names the node that ran the job', async ({ page }) => {
  const [local] = await api.nodes();
  const job = await api.submit({ task: 'echo', input: { where: 'e2e' } });
  await waitForState(job.id, 'succeeded');
  await openDashboard(page);
  const detail = await openJob(page, job.id);
  await expect(detail.getByTestId('job-node')).toHaveText(local!.name);
});
