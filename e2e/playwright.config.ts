/**
 * e2e: the real server (apps/server/dist/main.js, serving the built
 * dashboard) in Debian's Chromium. Two servers, each on a fresh data
 * directory: an open one, and one with CADRE_TOKEN (and the read-only
 * CADRE_READ_TOKEN) set.
 */
import { defineConfig } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BASE_URL, E2E_READ_TOKEN, E2E_TOKEN, PORT, TOKEN_PORT, WORKERS } from './support/env.js';

const main = fileURLToPath(new URL('../apps/server/dist/main.js', import.meta.url));

// Playwright loads this file again in each worker process; the env var keeps
// one data directory per run instead of one per load.
process.env.CADRE_E2E_DATA ??= mkdtempSync(join(tmpdir(), 'cadre-e2e-'));
const dataRoot = process.env.CADRE_E2E_DATA;

function server(port: number, name: string, extraEnv: Record<string, string> = {}) {
  return {
    command: `node ${JSON.stringify(main)}`,
    url: `http://127.0.0.1:${port}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'pipe' as const,
    stderr: 'pipe' as const,
    gracefulShutdown: { signal: 'SIGTERM' as const, timeout: 10_000 },
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      CADRE_DATA: join(dataRoot, name),
      CADRE_WORKERS: String(WORKERS),
      CADRE_BALANCE_MS: '250',
      NO_COLOR: '1',
      ...extraEnv,
    },
  };
}

export default defineConfig({
  testDir: './specs',
  outputDir: './test-results/artifacts',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [['list'], ['json', { outputFile: 'test-results/results.json' }]],
  use: {
    baseURL: BASE_URL,
    viewport: { width: 1440, height: 1000 },
    // The dashboard follows the OS's theme: the specs see the dark one unless
    // they ask for another (theme.spec.ts, a11y.spec.ts).
    colorScheme: 'dark',
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-dev-shm-usage',
      ],
    },
  },
  webServer: [
    server(PORT, 'open'),
    server(TOKEN_PORT, 'token', { CADRE_TOKEN: E2E_TOKEN, CADRE_READ_TOKEN: E2E_READ_TOKEN }),
  ],
});
