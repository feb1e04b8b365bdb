/**
 * Input schemas in the dashboard: the load form is generated from the task's
 * schema and checked before anything is sent, and a failed job is retried
 * with an edited input through the same kind of form.
 */
import { expect, test } from '../support/fixtures.js';
import { api, waitForState } from '../support/api.js';
import { keepScreenshot, openDashboard, openJob } from '../support/page.js';

test('the load form is generated from the task schema and checked before sending', async ({
  page,
}, testInfo) => {
  await openDashboard(page);
  const load = page.getByRole('region', { name: 'Generate load' });
  await load.getByLabel('Load category').selectOption('reports');
  await load.getByLabel('Load task').selectOption('fib');

  const n = load.getByLabel('Load input n');
  await expect(n).toHaveAttribute('aria-required', 'true');
  await expect(n).toHaveAttribute('min', '0');
  await expect(n).toHaveAttribute('max', '40');
  await expect(load.getByLabel('Load input JSON')).toHaveCount(0);

  // Out of range: refused in the page, nothing reaches the server.
  const before = (await api.list({ category: 'reports', limit: 1000 })).jobs.length;
  await n.fill('41');
  await load.getByLabel('Load count').fill('3');
  await load.getByLabel('Load rate per second').fill('0');
  await load.getByRole('button', { name: 'Generate load' }).click();
  await expect(load.getByText('must be <= 40')).toBeVisible();
  await expect(n).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByText('Load: input n must be <= 40.')).toBeVisible();
  expect((await api.list({ category: 'reports', limit: 1000 })).jobs.length).toBe(before);
  await keepScreenshot(page, testInfo, 'load-form-invalid', load);

  await n.fill('12');
  await expect(load.getByText('must be <= 40')).toHaveCount(0);
  await load.getByRole('button', { name: 'Generate load' }).click();
  await expect(page.getByText('Submitted 3 fib job(s) to reports')).toBeVisible();
  const { jobs } = await api.list({ category: 'reports', limit: 3 });
  expect(jobs.map((j) => [j.task, j.input])).toEqual([
    ['fib', { n: 12 }],
    ['fib', { n: 12 }],
    ['fib', { n: 12 }],
  ]);
  await keepScreenshot(page, testInfo, 'load-form', load);

  // A task without a schema keeps the JSON field.
  await load.getByLabel('Load task').selectOption('echo');
  await expect(load.getByLabel('Load input JSON')).toBeVisible();
  await expect(load.getByLabel('Load input n')).toHaveCount(0);
});

test('a failed job is retried with an edited input through the generated form', async ({
  page,
}, testInfo) => {
  const job = await api.submit({
    task: 'flaky',
    category: 'email',
    input: { failTimes: 5, note: 'kept' },
    maxRetries: 0,
  });
  await waitForState(job.id, 'failed');

  await openDashboard(page);
  const detail = await openJob(page, job.id);
  await detail.getByRole('button', { name: 'Retry with edited input…' }).click();
  const editor = detail.getByRole('form', { name: 'Retry with edited input' });
  const failTimes = editor.getByLabel('Retry input failTimes');
  await expect(failTimes).toHaveValue('5');

  await failTimes.fill('-1');
  await editor.getByRole('button', { name: 'Retry with this input' }).click();
  await expect(editor.getByText('must be >= 0')).toBeVisible();
  expect(await api.get(job.id)).toMatchObject({ state: 'failed', input: { failTimes: 5 } });
  await keepScreenshot(page, testInfo, 'retry-editor', detail);

  await failTimes.fill('0');
  await editor.getByRole('button', { name: 'Retry with this input' }).click();
  await expect(page.getByText(`Job ${job.id} queued again with the edited input`)).toBeVisible();
  await expect(editor).toHaveCount(0);
  await expect(detail.getByTestId('job-state')).toHaveText('succeeded');
  await expect(detail.getByLabel('Job input')).toContainText('"failTimes": 0');
  expect(await api.get(job.id)).toMatchObject({
    state: 'succeeded',
    input: { failTimes: 0, note: 'kept' },
    result: { attempt: 1 },
  });
});

test('a job of a task without a schema is retried with edited JSON', async ({ page }) => {
  // Paused, so that the job can be cancelled before it runs.
  await api.patchCategory('images', { paused: true });
  const job = await api.submit({ task: 'echo', category: 'images', input: { v: 1 } });
  await api.cancel(job.id);
  await api.patchCategory('images', { paused: false });

  await openDashboard(page);
  const detail = await openJob(page, job.id);
  await detail.getByRole('button', { name: 'Retry with edited input…' }).click();
  const editor = detail.getByRole('form', { name: 'Retry with edited input' });
  const json = editor.getByLabel('Retry input JSON');
  await json.fill('{ "v": ');
  await editor.getByRole('button', { name: 'Retry with this input' }).click();
  await expect(editor.getByRole('alert')).toContainText('The input is not valid JSON');

  await json.fill('{ "v": 2 }');
  await editor.getByRole('button', { name: 'Retry with this input' }).click();
  await expect(detail.getByTestId('job-state')).toHaveText('succeeded');
  expect(await api.get(job.id)).toMatchObject({ input: { v: 2 }, result: { v: 2 } });
});
