/** Locators shared by the specs: accessible names first, test ids only for bare numbers. */
import { expect, type Locator, type Page, type TestInfo } from '@playwright/test';

export function categoryCard(page: Page, name: string): Locator {
  return page.getByRole('article', { name, exact: true });
}

/** A number shown on a category card (its test id), parsed. */
export async function cardNumber(page: Page, name: string, testId: string): Promise<number> {
  return parseCount(await categoryCard(page, name).getByTestId(testId).innerText());
}

export function parseCount(text: string): number {
  const m = /^(-?[\d.]+)([kMG]?)/.exec(text.trim());
  if (!m) return Number.NaN;
  const scale = { '': 1, k: 1e3, M: 1e6, G: 1e9 }[m[2] as '' | 'k' | 'M' | 'G'];
  return Number(m[1]) * scale;
}

export async function openDashboard(page: Page, url = '/'): Promise<void> {
  await page.goto(url);
  await expect(page.getByRole('status', { name: 'Connection: live' })).toBeVisible();
}

/** Searches the jobs table for `query` (an id or a key) and waits for job `id` to open. */
export async function openJob(page: Page, query: string, id = query): Promise<Locator> {
  await page.getByRole('searchbox', { name: 'Search', exact: true }).fill(query);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  const detail = page.getByTestId('job-detail');
  await expect(detail.getByRole('heading', { name: `Job ${id}` })).toBeVisible();
  return detail;
}

/** Keeps a screenshot as a test artifact (in test-results, attached to the report). */
export async function keepScreenshot(
  page: Page,
  testInfo: TestInfo,
  name: string,
  target?: Locator,
) {
  const path = testInfo.outputPath(`${name}.png`);
  if (target) await target.screenshot({ path });
  else await page.screenshot({ path, fullPage: true });
  await testInfo.attach(name, { path, contentType: 'image/png' });
}

/** Fails the test on any console error or uncaught page error. */
export function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console.error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  return problems;
}
