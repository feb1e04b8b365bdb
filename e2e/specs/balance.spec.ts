import { expect, test } from '../support/fixtures.js';
import { api, category, holdsFor } from '../support/api.js';
import { cardNumber, categoryCard, openDashboard } from '../support/page.js';

const sleeps = (category: string, n: number, ms: number) =>
  Array.from({ length: n }, () => ({ task: 'sleep', category, input: { ms } }));

test('changing a weight in the UI shifts the allocation', async ({ page }) => {
  await openDashboard(page);
  await api.submit([...sleeps('reports', 200, 250), ...sleeps('images', 200, 250)]);

  // reports (weight 3) and images (weight 2) share the four workers.
  await expect.poll(() => cardNumber(page, 'images', 'allocated')).toBeGreaterThan(0);
  await expect.poll(() => cardNumber(page, 'reports', 'allocated')).toBeGreaterThan(0);
  const imagesBefore = await cardNumber(page, 'images', 'allocated');
  expect(imagesBefore).toBeLessThanOrEqual(2);

  await page.getByLabel('Weight of images').fill('30');
  await page.getByRole('button', { name: 'Save settings of images' }).click();
  await expect(page.getByText('images: settings saved')).toBeVisible();
  await expect(page.getByLabel('Weight of images')).toHaveValue('30');

  await expect.poll(() => cardNumber(page, 'images', 'allocated')).toBeGreaterThanOrEqual(3);
  await expect.poll(() => cardNumber(page, 'reports', 'allocated')).toBeLessThanOrEqual(1);
  expect((await category('images')).weight).toBe(30);
});

test('changing jobs per thread in the UI shows on the card and in the API', async ({ page }) => {
  await openDashboard(page);
  const card = categoryCard(page, 'reports');
  const field = page.getByLabel('Concurrency of reports');
  await expect(card.getByTestId('concurrency')).toBeHidden();
  await expect(field).toHaveValue('1');

  // Beyond 1..1000 the field itself refuses, so the form is not sent.
  await field.fill('1001');
  await page.getByRole('button', { name: 'Save settings of reports' }).click();
  expect(await field.evaluate((el) => el.matches(':invalid'))).toBe(true);

  await field.fill('50');
  await page.getByRole('button', { name: 'Save settings of reports' }).click();
  await expect(page.getByText('reports: settings saved')).toBeVisible();
  await expect(card.getByTestId('concurrency')).toHaveText('× 50');
  await expect(card.getByRole('meter', { name: /· × 50 per thread;/ })).toBeVisible();
  await expect(field).toHaveValue('50');
  expect((await category('reports')).concurrency).toBe(50);
});

test('pausing a category stops its starts and resuming restarts them', async ({ page }) => {
  await openDashboard(page);
  await api.submit(sleeps('reports', 100, 200));
  await expect.poll(() => cardNumber(page, 'reports', 'running')).toBeGreaterThan(0);

  await page.getByRole('button', { name: 'Pause reports' }).click();
  const card = categoryCard(page, 'reports');
  await expect(card.getByText('paused', { exact: true })).toBeVisible();
  await expect.poll(() => cardNumber(page, 'reports', 'allocated')).toBe(0);
  // Jobs already running finish; nothing new starts.
  await expect.poll(() => cardNumber(page, 'reports', 'running')).toBe(0);
  const paused = await category('reports');
  expect(paused.paused).toBe(true);
  expect(paused.queued).toBeGreaterThan(0);
  await holdsFor(1500, async () => {
    const now = await category('reports');
    expect(now.running).toBe(0);
    expect(now.succeeded).toBe(paused.succeeded);
    expect(now.queued).toBe(paused.queued);
  });

  await page.getByRole('button', { name: 'Resume reports' }).click();
  await expect(card.getByText('paused', { exact: true })).toBeHidden();
  await expect
    .poll(async () => (await category('reports')).succeeded)
    .toBeGreaterThan(paused.succeeded);
  await expect
    .poll(() => cardNumber(page, 'reports', 'succeeded'))
    .toBeGreaterThan(paused.succeeded);
});

test('an API error shows as a readable message, and the page stays usable', async ({
  page,
  consoleErrors,
}) => {
  await openDashboard(page);
  // Within what the form accepts, beyond what the server allows (minWorkers ≤ 1024).
  await page.getByLabel('Min workers of default').fill('5000');
  await page.getByRole('button', { name: 'Save settings of default' }).click();
  const alert = page.getByRole('alert').filter({ hasText: 'Updating default:' });
  await expect(alert).toBeVisible();
  await expect(alert).not.toContainText('[object');
  expect((await category('default')).minWorkers).not.toBe(5000);
  await expect(categoryCard(page, 'email')).toBeVisible();
  // A failed request is logged by the browser itself; that is not a page error.
  consoleErrors.splice(
    0,
    consoleErrors.length,
    ...consoleErrors.filter((p) => !p.includes('status of 400')),
  );
});
