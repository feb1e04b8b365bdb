/**
 * The `test` of the dashboard specs: every test starts watching the browser
 * console and, when it ends, cancels the jobs it left running, restores the
 * categories it changed, and fails if the page logged an error.
 */
import { expect, test as base } from '@playwright/test';
import { api, cancelActive, restoreCategories } from './api.js';
import { watchConsole } from './page.js';

export const test = base.extend<{
  /** What the page logged as errors; a test may drop ones it caused on purpose. */
  consoleErrors: string[];
}>({
  consoleErrors: [
    async ({ page }, use) => {
      const saved = await api.categories();
      const problems = watchConsole(page);
      await use(problems);
      await cancelActive();
      await restoreCategories(saved);
      expect(problems, 'no console errors').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
