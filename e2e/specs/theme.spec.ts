// The theme follows the OS (prefers-color-scheme) until the header's switch
// says otherwise; the choice is remembered and applied before the app runs.
import type { Page } from '@playwright/test';
import { expect, test } from '../support/fixtures.js';
import { openDashboard } from '../support/page.js';

const theme = (page: Page) => page.evaluate(() => document.documentElement.dataset.theme);
/** The page's background, lighter than mid-grey or not. */
const isLight = async (page: Page) =>
  page.evaluate(() => {
    const [r, g, b] = (
      getComputedStyle(document.documentElement).backgroundColor.match(/\d+/g) ?? []
    ).map(Number);
    return (r! + g! + b!) / 3 > 128;
  });

test('follows prefers-color-scheme, live', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'light' });
  await openDashboard(page);
  expect(await theme(page)).toBe('light');
  expect(await isLight(page)).toBe(true);

  await page.emulateMedia({ colorScheme: 'dark' });
  await expect.poll(() => theme(page)).toBe('dark');
  expect(await isLight(page)).toBe(false);

  const toggle = page.getByRole('group', { name: 'Theme' });
  await expect(toggle.getByRole('radio', { name: 'Auto' })).toBeChecked();
});

test('the header switch wins over the OS and is remembered across a reload', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'light' });
  await openDashboard(page);
  const toggle = page.getByRole('group', { name: 'Theme' });

  // By keyboard: the switch is a radio group.
  await toggle.getByRole('radio', { name: 'Auto' }).focus();
  await page.keyboard.press('ArrowRight');
  await expect(toggle.getByRole('radio', { name: 'Light' })).toBeChecked();
  await toggle.getByRole('radio', { name: 'Dark' }).check();
  await expect.poll(() => theme(page)).toBe('dark');
  expect(await isLight(page)).toBe(false);

  await page.reload();
  await expect(page.getByRole('status', { name: 'Connection: live' })).toBeVisible();
  expect(await theme(page)).toBe('dark');
  await expect(toggle.getByRole('radio', { name: 'Dark' })).toBeChecked();

  // Auto again: back to the OS's light.
  await toggle.getByRole('radio', { name: 'Auto' }).check();
  await expect.poll(() => theme(page)).toBe('light');
  await page.reload();
  await expect(page.getByRole('status', { name: 'Connection: live' })).toBeVisible();
  expect(await theme(page)).toBe('light');
});

test('the saved theme is in place before the app runs (no flash of the other theme)', async ({
  page,
  consoleErrors,
}) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto('/');
  await page.evaluate(() => localStorage.setItem('cadre.theme', 'light'));
  // Without the app's script, only theme-init.js can have set the theme.
  await page.route(/\/assets\/.*\.js$/, (route) => route.abort());
  await page.goto('/');
  expect(await theme(page)).toBe('light');
  expect(await isLight(page)).toBe(true);
  await page.unroute(/\/assets\/.*\.js$/);
  await page.evaluate(() => localStorage.removeItem('cadre.theme'));
  // The aborted script's load failure, on purpose.
  consoleErrors.splice(0, consoleErrors.length);
});
