// Read-only mode: the token server's CADRE_READ_TOKEN, entered in the token
// gate, shows everything and offers nothing that changes anything.
import AxeBuilder from '@axe-core/playwright';
import { createClient } from '@cadre/client';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { E2E_READ_TOKEN, E2E_TOKEN, TOKEN_URL } from '../support/env.js';
import { watchConsole } from '../support/page.js';

const writer = createClient({ url: TOKEN_URL, token: E2E_TOKEN });

/**
 * The names of the controls that only read: filters, search, paging,
 * opening and closing views, chart splits, the theme, forgetting the token.
 * Anything else enabled on the page in read-only mode is a control that
 * changes something and should have been hidden (useAccess / WriteOnly).
 */
const READ_CONTROLS = [
  /^open job /i,
  /^(close|dismiss)/i,
  /^(filter|search)/i,
  /^refresh jobs$/i,
  /^follow new jobs live$/i,
  /^(← newer|older →)$/,
  /^show (all|its jobs)$/i,
  /sort this page|sorted by/i,
  /^(auto|light|dark)$/i,
  /^forget token$/i,
  /^(category|categories|node|nodes|by category|by node)$/i,
  /^(live|5 ?m|1 ?h|24 ?h)$/i,
  /^job \S+$/i,
];

async function enabledControls(page: Page): Promise<string[]> {
  const names: string[] = [];
  const controls: Locator = page.locator(
    'button:enabled:visible, input:enabled:visible, select:enabled:visible, textarea:enabled:visible, [role="button"]:visible, [role="radio"]:visible, [contenteditable="true"]:visible',
  );
  for (const control of await controls.all()) {
    // A radio input is drawn invisible over its label: it is still the control.
    const name = await control.evaluate((el) => {
      const label =
        el.getAttribute('aria-label') ??
        (el as HTMLInputElement).labels?.[0]?.textContent ??
        el.textContent ??
        '';
      return label.replace(/\s+/g, ' ').trim();
    });
    names.push(name);
  }
  return names;
}

test('the read-only token shows everything and no enabled control that changes something', async ({
  page,
}) => {
  const problems = watchConsole(page);
  // Something to look at: a failed job (which a writer could retry) and a delayed one (cancel).
  const failed = await writer.submit({ task: 'permanent', input: { readOnly: true } });
  const delayed = await writer.submit({ task: 'echo', input: 1, delayMs: 3_600_000 });
  await expect.poll(async () => (await writer.get(failed.id)).state).toBe('failed');

  await page.goto(TOKEN_URL);
  await page.getByLabel('API token').fill(E2E_READ_TOKEN);
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByRole('status', { name: 'Connection: live' })).toBeVisible();
  await expect(page.getByTestId('read-only-banner')).toBeVisible();
  await expect(page.getByTestId('read-only-banner')).toContainText('Read-only');

  // Everything is shown: the categories and the jobs.
  for (const c of await writer.categories()) {
    await expect(page.getByRole('article', { name: c.name, exact: true })).toBeVisible();
  }
  await expect(page.getByRole('button', { name: `Open job ${failed.id}` })).toBeVisible();

  // The controls that change things are gone.
  for (const name of [
    /^generate load$/i,
    /^pause /i,
    /^resume /i,
    /^retry all failed/i,
    /^save settings/i,
  ]) {
    await expect(page.getByRole('button', { name })).toHaveCount(0);
  }
  for (const input of await page.locator('.category input').all())
    await expect(input).toBeDisabled();
  expect(
    (await enabledControls(page)).filter((n) => !READ_CONTROLS.some((r) => r.test(n))),
  ).toEqual([]);

  // The read-only page passes the accessibility check too (the banner, the disabled settings).
  const { violations } = await new AxeBuilder({ page }).analyze();
  expect(
    violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id),
  ).toEqual([]);

  // A job's detail: no cancel, retry or edit.
  for (const job of [failed, delayed]) {
    await page.getByRole('button', { name: `Open job ${job.id}` }).click();
    const detail = page.getByTestId('job-detail');
    await expect(detail.getByRole('heading', { name: `Job ${job.id}` })).toBeVisible();
    await expect(detail.getByRole('button', { name: /cancel|retry/i })).toHaveCount(0);
    expect(
      (await enabledControls(page)).filter((n) => !READ_CONTROLS.some((r) => r.test(n))),
    ).toEqual([]);
  }

  // The server refuses a change made with the read-only token, whatever the page shows.
  const res = await page.request.post(`${TOKEN_URL}/api/jobs/${delayed.id}/cancel`, {
    headers: { authorization: `Bearer ${E2E_READ_TOKEN}` },
  });
  expect(res.status()).toBe(403);
  expect((await res.json()).error.code).toBe('ERR_READ_ONLY');
  const submit = await page.request.post(`${TOKEN_URL}/api/jobs`, {
    headers: { authorization: `Bearer ${E2E_READ_TOKEN}` },
    data: { task: 'echo' },
  });
  expect(submit.status()).toBe(403);
  expect((await writer.get(delayed.id)).state).toBe('delayed');

  await writer.cancel(delayed.id);
  // The browser's own 401 before the token was given is expected; anything else is not.
  expect(problems.filter((p) => !p.includes('401'))).toEqual([]);
});

test('the write token on the same server keeps every control', async ({ page }) => {
  // Saved as the gate saves it: no unauthenticated requests, which the server's
  // failure limiter would count against token.spec.ts.
  await page.addInitScript((token) => sessionStorage.setItem('cadre.token', token), E2E_TOKEN);
  await page.goto(TOKEN_URL);
  await expect(page.getByRole('status', { name: 'Connection: live' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Generate load' })).toBeVisible();
  await expect(page.getByRole('button', { name: /^Pause default$/ })).toBeEnabled();
  await expect(page.getByTestId('read-only-banner')).toHaveCount(0);
});
