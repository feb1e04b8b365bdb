// Not a test of anything: saves screenshots to look at (see screenshots.config.ts).
import { fileURLToPath } from 'node:url';
import { test } from '@playwright/test';
import { api } from '../support/api.js';
import { E2E_READ_TOKEN, TOKEN_URL } from '../support/env.js';
import { openDashboard } from '../support/page.js';

const DIR = fileURLToPath(new URL('../test-results/screenshots/', import.meta.url));
const WIDTHS = [1440, 390] as const;
const THEMES = ['dark', 'light'] as const;

test.beforeAll(async () => {
  // Something in every state worth seeing.
  await api.submit([
    ...Array.from({ length: 8 }, (_, i) => ({ task: 'echo', input: { i } })),
    { task: 'permanent', input: { shot: true } },
    { task: 'sleep', category: 'reports', input: { ms: 30_000 } },
    { task: 'echo', input: 'later', delayMs: 3_600_000 },
  ]);
});

for (const width of WIDTHS) {
  for (const colorScheme of THEMES) {
    test(`overview and jobs, ${width} px, ${colorScheme}`, async ({ page }) => {
      await page.setViewportSize({ width, height: width > 800 ? 1000 : 844 });
      await page.emulateMedia({ colorScheme });
      await openDashboard(page);
      // Let the charts gather a few points.
      await page.waitForTimeout(3000);
      await page.screenshot({ path: `${DIR}overview-${width}-${colorScheme}.png`, fullPage: true });
      if (width < 800) {
        // A narrow full page is too tall to read at once: also in screen-high slices.
        const height = await page.evaluate(() => document.documentElement.scrollHeight);
        for (let y = 0, part = 1; y < height; y += 1000, part++) {
          await page.screenshot({
            path: `${DIR}overview-${width}-${colorScheme}-part${part}.png`,
            fullPage: true,
            clip: { x: 0, y, width, height: Math.min(1000, height - y) },
          });
        }
      }
      await page.locator('section.jobs').screenshot({
        path: `${DIR}jobs-${width}-${colorScheme}.png`,
      });
      const first = page.getByRole('button', { name: /^Open job / }).first();
      await first.click();
      await page.getByTestId('job-detail').screenshot({
        path: `${DIR}detail-${width}-${colorScheme}.png`,
      });
    });
  }
}

for (const width of WIDTHS) {
  test(`read-only overview, ${width} px`, async ({ page }) => {
    await page.setViewportSize({ width, height: width > 800 ? 1000 : 844 });
    await page.addInitScript(
      (token) => sessionStorage.setItem('cadre.token', token),
      E2E_READ_TOKEN,
    );
    await page.goto(TOKEN_URL);
    await page.getByTestId('read-only-banner').waitFor();
    await page.waitForTimeout(2000);
    await page.screenshot({
      path: `${DIR}read-only-${width}.png`,
      fullPage: width > 800,
    });
  });
}
