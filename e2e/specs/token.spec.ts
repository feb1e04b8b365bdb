import { createClient } from '@cadre/client';
import { expect, test } from '@playwright/test';
import { E2E_TOKEN, TOKEN_URL } from '../support/env.js';
import { categoryCard, watchConsole } from '../support/page.js';

test('a token-protected server asks for the token and works after it is given', async ({
  page,
}) => {
  const problems = watchConsole(page);
  // The server really refuses requests without the token.
  await expect(createClient({ url: TOKEN_URL }).stats()).rejects.toMatchObject({ status: 401 });
  const names = (await createClient({ url: TOKEN_URL, token: E2E_TOKEN }).categories()).map(
    (c) => c.name,
  );

  await page.goto(TOKEN_URL);
  await expect(page.getByRole('heading', { name: 'cadre needs a token' })).toBeVisible();

  await page.getByLabel('API token').fill('not-the-token');
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByRole('alert')).toHaveText('That token was not accepted.');

  await page.getByLabel('API token').fill(E2E_TOKEN);
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByRole('status', { name: 'Connection: live' })).toBeVisible();
  for (const name of names) await expect(categoryCard(page, name)).toBeVisible();

  // Kept for the session: a reload does not ask again.
  await page.reload();
  await expect(page.getByRole('status', { name: 'Connection: live' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'cadre needs a token' })).toBeHidden();

  // The browser's own 401s on the way in are expected; anything else is not.
  expect(problems.filter((p) => !p.includes('401'))).toEqual([]);
});
