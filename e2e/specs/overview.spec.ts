import { expect, test } from '../support/fixtures.js';
import { api } from '../support/api.js';
import {
  cardNumber,
  categoryCard,
  keepScreenshot,
  openDashboard,
  parseCount,
} from '../support/page.js';

test('names every category and shows live numbers', async ({ page }) => {
  await openDashboard(page);
  for (const c of await api.categories()) {
    await expect(categoryCard(page, c.name).getByRole('heading', { name: c.name })).toBeVisible();
  }
  await expect(page.getByTestId('total-workers')).toHaveText('4');

  // Work done behind the page's back shows up without a reload.
  const before = parseCount(await page.getByTestId('total-succeeded').innerText());
  await api.submit(Array.from({ length: 12 }, (_, i) => ({ task: 'echo', input: { i } })));
  await expect
    .poll(async () => parseCount(await page.getByTestId('total-succeeded').innerText()))
    .toBeGreaterThanOrEqual(before + 12);
  await expect.poll(() => cardNumber(page, 'default', 'succeeded')).toBeGreaterThanOrEqual(12);
});

test('generating load from the UI fills the allocation chart and moves the counters', async ({
  page,
}, testInfo) => {
  await openDashboard(page);
  const chart = page.getByTestId('chart-allocation');
  const succeededBefore = await cardNumber(page, 'reports', 'succeeded');

  await page.getByLabel('Load category').selectOption('reports');
  await page.getByLabel('Load task').selectOption('sleep');
  await page.getByLabel('Load count').fill('60');
  await page.getByLabel('Load rate per second').fill('40');
  // sleep has an input schema: its input is a form (see input-schema.spec.ts).
  await page.getByLabel('Load input ms').fill('150');
  await page.getByRole('button', { name: 'Generate load' }).click();

  await expect(page.getByText('Submitted 60 sleep job(s) to reports')).toBeVisible();
  await expect
    .poll(async () => Number(await chart.getAttribute('data-latest-total')))
    .toBeGreaterThan(0);
  await expect.poll(() => cardNumber(page, 'reports', 'allocated')).toBeGreaterThan(0);
  await expect
    .poll(() => cardNumber(page, 'reports', 'succeeded'))
    .toBeGreaterThan(succeededBefore);
  await expect.poll(async () => Number(await chart.getAttribute('data-points'))).toBeGreaterThan(3);
  await keepScreenshot(page, testInfo, 'overview-1440');

  await page.setViewportSize({ width: 390, height: 844 });
  await expect(categoryCard(page, 'reports')).toBeVisible();
  await keepScreenshot(page, testInfo, 'overview-390');
});
