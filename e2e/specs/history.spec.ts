/**
 * Metrics history and wait targets (issue 14), against a server process of
 * this spec's own (a port and a data directory of its own), which it stops
 * with SIGTERM and starts again: the 1 h range of the history charts still
 * shows the jobs run before the restart. Before it, a category whose jobs
 * wait longer than its target is marked on its card, in words.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type CadreClient } from '@cadre/client';
import { expect, test } from '@playwright/test';
import { PORT } from '../support/env.js';
import { categoryCard, keepScreenshot, openDashboard, watchConsole } from '../support/page.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';

/** Clear of the suite's servers (PORT, PORT + 1) and of other specs' extra ones. */
const HISTORY_PORT = PORT + 7;

let dataDir: string;
let server: ServerProcess | undefined;

test.beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'cadre-e2e-history-'));
});

test.afterEach(async () => {
  await server?.kill();
  server = undefined;
  rmSync(dataDir, { recursive: true, force: true });
});

async function finishedInHistory(api: CadreClient): Promise<number> {
  const { points } = await api.history('5m');
  return points.reduce((n, p) => n + p.succeeded + p.failed, 0);
}

test('the history charts still show the last hour after a restart', async ({ page }, testInfo) => {
  test.setTimeout(120_000);
  const problems = watchConsole(page);
  server = await startServerProcess({ port: HISTORY_PORT, dataDir });
  let api = createClient({ url: server.url });

  // Jobs of reports wait behind each other on few threads: well over 50 ms.
  await api.patchCategory('reports', { targetWaitMs: 50, maxWorkers: 1 });
  await api.patchCategory('email', { targetWaitMs: 2000 });
  const jobs = await api.submit([
    ...Array.from({ length: 20 }, (_, i) => ({ task: 'echo', input: { i } })),
    ...Array.from({ length: 4 }, () => ({ task: 'permanent', category: 'email' })),
    ...Array.from({ length: 6 }, () => ({
      task: 'sleep',
      category: 'reports',
      input: { ms: 150 },
    })),
  ]);
  for (const job of jobs) await api.get(job.id, { waitMs: 20_000 });

  await openDashboard(page, server.url);
  const reports = categoryCard(page, 'reports');
  await expect(reports.getByText('over wait target')).toBeVisible();
  await expect(reports.getByTestId('target-wait')).toHaveText('50ms');
  await expect(categoryCard(page, 'email').getByText('over wait target')).toHaveCount(0);
  await keepScreenshot(page, testInfo, 'history-over-target', reports);

  // A flush (every 10 s) puts the last minutes in the store.
  await expect.poll(() => finishedInHistory(api), { timeout: 30_000 }).toBe(jobs.length);
  // Away from the dashboard while the server is down: its reconnects would fail, loudly.
  await page.goto('about:blank');
  expect(await server.stop()).toBe(0);

  server = await startServerProcess({ port: HISTORY_PORT, dataDir });
  api = createClient({ url: server.url });
  await openDashboard(page, server.url);

  const throughput = page.getByTestId('history-throughput');
  await expect(throughput).toHaveAttribute('data-range', 'live');
  // The range switch by keyboard: the arrow keys move the choice.
  const live = page.getByRole('radio', { name: 'Live' });
  await live.focus();
  await page.keyboard.press('ArrowRight');
  await expect(page.getByRole('radio', { name: '1 h' })).toBeChecked();
  await expect(throughput).toHaveAttribute('data-range', '1h');
  await expect(throughput).toHaveAttribute('data-jobs', String(jobs.length));
  await expect(page.getByTestId('history-summary')).toHaveText(
    `${jobs.length} jobs finished in this range.`,
  );
  // One point per minute of the hour.
  await expect(page.getByTestId('chart-throughput')).toHaveAttribute('data-points', /^(60|61)$/);
  await expect(page.getByTestId('history-wait')).toHaveAttribute('data-range', '1h');
  await expect(page.getByTestId('wait-targets')).toContainText('reports 50ms');
  await keepScreenshot(page, testInfo, 'history-1h-after-restart', page.locator('.overview'));

  await page.getByRole('radio', { name: '24 h' }).check();
  await expect(throughput).toHaveAttribute('data-range', '24h');
  await expect(throughput).toHaveAttribute('data-jobs', String(jobs.length));

  await page.setViewportSize({ width: 390, height: 900 });
  await page.getByRole('radio', { name: '1 h' }).check();
  await expect(throughput).toHaveAttribute('data-jobs', String(jobs.length));
  await keepScreenshot(page, testInfo, 'history-1h-narrow', page.locator('.overview'));
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1440, height: 1000 });
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  await keepScreenshot(page, testInfo, 'history-1h-light', page.locator('.overview'));
  expect(problems).toEqual([]);
});
