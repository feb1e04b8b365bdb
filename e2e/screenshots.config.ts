/**
 * Screenshots for a person to look at, not assertions: the overview and the
 * jobs table at 1440 and 390 px wide, in both themes, saved full-page into
 * test-results/screenshots/. Run with `npm run screenshots -w e2e` after a
 * build; the servers are the e2e suite's.
 */
import { defineConfig } from '@playwright/test';
import base from './playwright.config.js';

export default defineConfig({
  ...base,
  testDir: './screenshots',
  outputDir: './test-results/screenshots-artifacts',
  reporter: [['list']],
});
