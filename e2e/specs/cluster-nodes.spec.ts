/**
 * The nodes panel against a real cluster of two node processes on a fresh
 * PostgreSQL database: both live with one leader, a node killed with SIGKILL
 * turns dead, and removing it from the dashboard takes it off the list.
 */
import { expect, test, type Locator, type Page } from '@playwright/test';
import { createClient, type NodeView } from '@cadre/client';
import { startCluster, type Cluster } from '../support/cluster.js';
import { keepScreenshot, openDashboard, watchConsole } from '../support/page.js';

const TIMINGS = { balanceIntervalMs: 200, leaseMs: 600, nodeTimeoutMs: 2000 };

function nodeCard(page: Page, name: string): Locator {
  return page.getByRole('article', { name: `Node ${name}`, exact: true });
}

let cluster: Cluster | undefined;

test.beforeEach(async () => {
  cluster = await startCluster(['node-a', 'node-b'], TIMINGS);
});

test.afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

test('a node killed with SIGKILL turns dead on the panel and can be removed from it', async ({
  page,
}, testInfo) => {
  const a = cluster!.node('node-a');
  const problems = watchConsole(page);
  const api = createClient({ url: a.url });
  const names = async () => (await api.nodes()).map((n: NodeView) => n.name).sort();

  await openDashboard(page, a.url);
  const cardA = nodeCard(page, 'node-a');
  const cardB = nodeCard(page, 'node-b');
  for (const card of [cardA, cardB]) {
    await expect(card.getByTestId('node-state')).toHaveText('live');
    await expect(card.getByRole('button', { name: /Remove/ })).toHaveCount(0);
  }
  // Exactly one leader, whichever won the lease.
  const leaders = page.getByRole('article', { name: /^Node / }).getByText('leader');
  await expect(leaders).toHaveCount(1);
  await expect(page.getByTestId('nodes-summary')).toHaveText('2 live');

  await cluster!.node('node-b').kill();

  // Dead once its heartbeat is older than nodeTimeoutMs; node-a leads from then on.
  await expect(cardB.getByTestId('node-state')).toHaveText('dead', { timeout: 20_000 });
  await expect(cardB).toHaveAttribute('data-state', 'dead');
  await expect(cardB).toHaveClass(/\bis-dead\b/);
  await expect(cardA.getByTestId('node-state')).toHaveText('live');
  await expect(cardA.getByText('leader')).toBeVisible();
  await expect(page.getByTestId('nodes-summary')).toHaveText('1 live, 1 dead');
  await keepScreenshot(page, testInfo, 'cluster-node-dead', page.locator('section.nodes'));

  await cardB.getByRole('button', { name: 'Remove node node-b…' }).click();
  const confirm = cardB.getByRole('group', { name: 'Remove node node-b?' });
  await confirm.getByRole('button', { name: 'Remove', exact: true }).click();

  await expect(cardB).toHaveCount(0);
  await expect(cardA.getByTestId('node-state')).toHaveText('live');
  await expect(page.getByTestId('nodes-summary')).toHaveText('1 live');
  expect(await names()).toEqual(['node-a']);
  expect(problems, 'no console errors').toEqual([]);
});
