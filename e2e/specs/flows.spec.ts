import type { Locator, Page } from '@playwright/test';
import { expect, test } from '../support/fixtures.js';
import { api, waitForState } from '../support/api.js';
import { cardNumber, keepScreenshot, openDashboard, openJob, parseCount } from '../support/page.js';

/** Opens the flow view from the detail of job `id`. */
async function openFlow(page: Page, id: string): Promise<Locator> {
  const detail = await openJob(page, id);
  await detail.getByRole('button', { name: 'Open flow view' }).click();
  const view = page.getByTestId('flow-view');
  await expect(view).toBeVisible();
  return view;
}

/** A node of the flow view, by its caption and task ("step 2", "sleep"); its name ends with its state. */
function flowNode(view: Locator, caption: string, task: string): Locator {
  return view.getByRole('button', { name: new RegExp(`^${caption}: ${task}, `) });
}

/** The border colours of a waiting and a succeeded node (styles.css: --st-waiting, --st-succeeded). */
const WAITING_COLOR = 'rgb(240, 171, 252)';
const SUCCEEDED_COLOR = 'rgb(134, 239, 172)';

test('a chain’s flow view follows it live until it succeeds, and lists its jobs', async ({
  page,
}, testInfo) => {
  // Paused, the chain waits where the test can look at it; resumed, it runs to the end.
  await api.patchCategory('reports', { paused: true });
  // An immutable step: the second sleep runs with its own { ms }, not the first one's result.
  const flow = await api.submitChain({
    jobs: [
      { task: 'sleep', category: 'reports', input: { ms: 400 }, immutable: true },
      { task: 'sleep', category: 'reports', input: { ms: 400 } },
      { task: 'echo', category: 'reports', input: ['done'] },
    ],
  });
  expect(flow.kind).toBe('chain');
  const [first, , last] = flow.jobs;

  await openDashboard(page);
  const view = await openFlow(page, first!.id);
  await expect(view.getByRole('heading', { name: `Flow ${flow.id}` })).toBeVisible();
  await expect(view.getByTestId('flow-kind')).toHaveText('chain');
  await expect(view.getByTestId('flow-state')).toHaveText('running');
  await expect(flowNode(view, 'step 1', 'sleep')).toHaveAccessibleName('step 1: sleep, queued');
  await expect(flowNode(view, 'step 3', 'echo')).toHaveAccessibleName('step 3: echo, waiting');
  await expect(view.locator('.flow-edge.edge-next')).toHaveCount(2);
  await expect(flowNode(view, 'step 3', 'echo')).toHaveCSS('border-top-color', WAITING_COLOR);
  await keepScreenshot(page, testInfo, 'flow-chain-queued', view);

  await api.patchCategory('reports', { paused: false });
  // No reload: the view polls while the flow runs.
  await expect(flowNode(view, 'step 1', 'sleep')).toHaveAccessibleName('step 1: sleep, succeeded');
  await expect(view.getByTestId('flow-state')).toHaveText('succeeded');
  const step3 = flowNode(view, 'step 3', 'echo');
  await expect(step3).toHaveAccessibleName('step 3: echo, succeeded');
  await expect(step3).toHaveCSS('border-top-color', SUCCEEDED_COLOR);
  await expect(view.getByRole('button', { name: 'Cancel flow' })).toBeDisabled();
  await keepScreenshot(page, testInfo, 'flow-chain-succeeded', view);

  // A node opens its job: the last step ran with the result passed on.
  await step3.click();
  const detail = page.getByTestId('job-detail');
  await expect(detail.getByRole('heading', { name: `Job ${last!.id}` })).toBeVisible();
  await expect(detail.getByLabel('Job input')).toContainText('"slept": 400');
  await expect(detail).toContainText('on success, with its parent’s result');
  await detail.getByRole('button', { name: `Open parent job ${flow.jobs[1]!.id}` }).click();
  await expect(detail.getByRole('heading', { name: `Job ${flow.jobs[1]!.id}` })).toBeVisible();

  // The flow's jobs in the table, and only them.
  await view.getByRole('button', { name: 'Show its jobs' }).click();
  await expect(page.getByLabel('Filter by flow')).toHaveValue(flow.id);
  const rows = page.locator('.jobs tbody tr');
  await expect(rows).toHaveCount(3);
  for (const job of flow.jobs) {
    await expect(page.getByRole('button', { name: `Open job ${job.id}` })).toBeVisible();
  }
});

test('a chord of 8 fans in to its callback, which runs with every member’s result', async ({
  page,
}, testInfo) => {
  await api.patchCategory('reports', { paused: true });
  const flow = await api.submitGroup({
    jobs: Array.from({ length: 8 }, (_, i) => ({
      task: 'sleep',
      category: 'reports',
      input: { ms: 200 + i * 50 },
    })),
    callback: { task: 'echo', input: ['all'] },
  });
  const chordId = flow.callback!.id;

  await openDashboard(page);
  const view = await openFlow(page, flow.jobs[0]!.id);
  await expect(view.getByTestId('flow-kind')).toHaveText('chord');
  await expect(view.getByRole('button', { name: /^member \d: sleep, queued$/ })).toHaveCount(8);
  await expect(view.locator('.flow-edge.edge-fan-in')).toHaveCount(8);
  await expect(view.locator('.flow-edge.lit')).toHaveCount(0);
  await expect(flowNode(view, 'chord', 'echo')).toHaveAccessibleName('chord: echo, waiting');
  await keepScreenshot(page, testInfo, 'flow-chord-queued', view);

  await api.patchCategory('reports', { paused: false });
  await expect(view.getByTestId('flow-state')).toHaveText('succeeded', { timeout: 30_000 });
  await expect(view.getByRole('button', { name: /^member \d: sleep, succeeded$/ })).toHaveCount(8);
  await expect(flowNode(view, 'chord', 'echo')).toHaveAccessibleName('chord: echo, succeeded');
  await expect(view.locator('.flow-edge.lit')).toHaveCount(8);
  await keepScreenshot(page, testInfo, 'flow-chord-succeeded', view);

  // The chord names its parents: five of them, and the count of the rest.
  await flowNode(view, 'chord', 'echo').click();
  const detail = page.getByTestId('job-detail');
  await expect(detail.getByRole('heading', { name: `Job ${chordId}` })).toBeVisible();
  await expect(detail.getByRole('button', { name: /^Open parent job / })).toHaveCount(5);
  await expect(detail).toContainText('and 3 more');
  await expect(detail.getByLabel('Job input')).toContainText('"slept": 550');

  // The table filtered by hand, from its own field (the search box, which would win, emptied).
  await page.getByRole('searchbox', { name: 'Search', exact: true }).fill('');
  await page.getByLabel('Filter by flow').fill(flow.id);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await expect(page.locator('.jobs tbody tr')).toHaveCount(9);
});

test('a running flow is cancelled from its view; waiting callbacks are counted', async ({
  page,
}) => {
  // Paused, the members stay queued and the chord keeps waiting.
  await api.patchCategory('reports', { paused: true });
  const flow = await api.submitGroup({
    jobs: Array.from({ length: 3 }, (_, i) => ({
      task: 'echo',
      category: 'reports',
      input: { i },
    })),
    callback: {
      task: 'echo',
      category: 'reports',
      onError: [{ task: 'echo', category: 'reports' }],
    },
  });

  await openDashboard(page);
  await expect.poll(() => cardNumber(page, 'reports', 'waiting')).toBeGreaterThanOrEqual(2);
  await expect
    .poll(async () => parseCount(await page.getByTestId('total-waiting').innerText()))
    .toBeGreaterThanOrEqual(2);

  const view = await openFlow(page, flow.callback!.id);
  await expect(view.getByTestId('flow-state')).toHaveText('running');
  await expect(flowNode(view, 'member 1', 'echo')).toHaveAccessibleName('member 1: echo, queued');
  await expect(flowNode(view, 'on error', 'echo')).toHaveAccessibleName('on error: echo, waiting');
  await expect(view.locator('.flow-edge.edge-error')).toHaveCount(1);

  await view.getByRole('button', { name: 'Cancel flow' }).click();
  await expect(page.getByText(`Flow ${flow.id} cancelled`)).toBeVisible();
  await expect(view.getByTestId('flow-state')).toHaveText('cancelled');
  await expect(view.getByRole('button', { name: /^member \d: echo, cancelled$/ })).toHaveCount(3);
  await expect(flowNode(view, 'chord', 'echo')).toHaveAccessibleName('chord: echo, cancelled');
  await expect(view.getByRole('button', { name: 'Cancel flow' })).toBeDisabled();
  expect((await api.getFlow(flow.id)).state).toBe('cancelled');
});

test('a failed step cancels the steps after it, which link to it as upstream', async ({ page }) => {
  const flow = await api.submitChain({
    jobs: [{ task: 'echo', input: ['go'] }, { task: 'permanent' }, { task: 'echo' }],
  });
  const [, failing, after] = flow.jobs;
  await waitForState(after!.id, 'cancelled');

  await openDashboard(page);
  const view = await openFlow(page, after!.id);
  await expect(view.getByTestId('flow-state')).toHaveText('failed');
  await expect(flowNode(view, 'step 2', 'permanent')).toHaveAccessibleName(
    'step 2: permanent, failed',
  );
  await flowNode(view, 'step 3', 'echo').click();
  const detail = page.getByTestId('job-detail');
  await expect(detail.getByRole('heading', { name: `Job ${after!.id}` })).toBeVisible();
  const error = detail.getByRole('note', { name: 'Last error' });
  await expect(error).toContainText('upstream');
  await error.getByRole('button', { name: `Open parent job ${failing!.id}` }).click();
  await expect(detail.getByRole('heading', { name: `Job ${failing!.id}` })).toBeVisible();
  await expect(detail.getByTestId('job-state')).toHaveText('failed');
});

test('a group of 200 is a grid of tiles with one bundled edge to its chord', async ({
  page,
}, testInfo) => {
  await api.patchCategory('reports', { paused: true });
  const flow = await api.submitGroup({
    jobs: Array.from({ length: 200 }, (_, i) => ({
      task: 'echo',
      category: 'reports',
      input: { i },
    })),
    callback: { task: 'echo', category: 'default' },
  });
  await openDashboard(page);
  const view = await openFlow(page, flow.jobs[0]!.id);
  await expect(view.locator('.flow-tile')).toHaveCount(200);
  await expect(view.locator('.flow-edge')).toHaveCount(1);
  await expect(view.locator('.flow-edge.edge-bundle')).toHaveCount(1);
  await expect(view.locator('.flow-box')).toHaveText('200 members');
  await expect(view.getByRole('button', { name: 'member 200: echo, queued' })).toBeVisible();
  await keepScreenshot(page, testInfo, 'flow-group-200-queued', view);

  // Resumed, the members run and the tiles turn as they finish.
  await api.patchCategory('reports', { paused: false });
  await expect(view.getByTestId('flow-state')).toHaveText('succeeded', { timeout: 30_000 });
  await expect(view.locator('.flow-tile[data-state="succeeded"]')).toHaveCount(200);
  await expect(view.locator('.flow-edge.lit')).toHaveCount(1);
  await keepScreenshot(page, testInfo, 'flow-group-200-succeeded', view);
});
