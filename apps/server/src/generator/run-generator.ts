/**
 * `cadre generate` as a function: submits a run of jobs to a server through
 * @cadre/client, optionally waits for them, and returns (and prints) the report.
 * The CLI, the benchmark and the tests all call this.
 */
import { randomBytes } from 'node:crypto';
import { createClient, type CadreClient, type Job, type Stats } from '@cadre/client';
import { awaitJobs, sweep } from './await-jobs.js';
import { toGeneratorError } from './describe-error.js';
import { GeneratorError } from './errors.js';
import { processIo, type GeneratorIo } from './io.js';
import type { GeneratorOptions } from './options.js';
import { createPlan, FAIL_TASK } from './plan.js';
import { createProgress } from './progress.js';
import { buildReport, formatReport, type GeneratorReport } from './report.js';
import { submitJobs } from './submit-jobs.js';

export interface RunDeps {
  /** @defaultValue createClient({ url, token }) */
  client?: CadreClient;
}

export async function runGenerator(
  options: GeneratorOptions,
  io: GeneratorIo = processIo(),
  deps: RunDeps = {},
): Promise<GeneratorReport> {
  const client = deps.client ?? createClient({ url: options.url, token: options.token });
  const runId = options.runId ?? randomBytes(4).toString('hex');
  const startedAt = io.now();
  const progress = createProgress(io, options.quiet);

  // One cheap authenticated request first: an absent server or a wrong token
  // is reported before anything is sent.
  const before = await call(() => client.stats(), 'asking for stats');
  await checkMix(client, options);

  const plan = createPlan({ ...options, runId });
  const categories = [...new Set(options.mix.map((e) => e.category))];

  progress.start('submit', options.count);
  let submitted;
  try {
    submitted = await submitJobs(client, plan, options, io, (accepted) => {
      const s = (io.now() - startedAt) / 1000;
      progress.update(accepted, s > 0 ? `${Math.round(accepted / s)} jobs/s` : '');
    });
  } finally {
    progress.stop();
  }
  const submitMs = io.now() - startedAt;
  const jobs = submitted.jobs;
  const perCategory: Record<string, number> = {};
  for (const job of jobs) perCategory[job.category] = (perCategory[job.category] ?? 0) + 1;

  let latest: Iterable<Job>;
  let timedOut = false;
  if (options.wait) {
    progress.start('finish', jobs.length);
    try {
      const result = await call(
        () =>
          awaitJobs(
            client,
            {
              categories,
              jobs,
              oldestCreatedMs: submitted.oldestCreatedMs,
              finishedBefore: before.succeeded + before.failed + before.cancelled,
              deadline: io.now() + options.timeoutS * 1000,
              onProgress: (n) => progress.update(n),
            },
            io,
          ),
        'listing the jobs',
      );
      latest = result.latest.values();
      timedOut = result.timedOut;
    } finally {
      progress.stop();
    }
  } else {
    const seen = await call(
      () => sweep(client, categories, new Set(jobs.map((j) => j.id)), submitted.oldestCreatedMs),
      'listing the jobs',
    );
    latest = jobs.map((j) => seen.get(j.id) ?? j);
  }

  const after: Stats = await call(() => client.stats(), 'asking for stats');
  const report = buildReport({
    runId,
    url: options.url,
    categories,
    submitted: perCategory,
    jobs: latest,
    allocation: after.allocation,
    workers: after.workers,
    elapsedMs: io.now() - startedAt,
    submitMs,
    waited: options.wait,
    timedOut,
  });
  io.out.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
  return report;
}

async function call<T>(fn: () => Promise<T>, doing: string): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toGeneratorError(err, doing);
  }
}

/** Names an unknown task or category before the run starts, not halfway through it. */
async function checkMix(client: CadreClient, options: GeneratorOptions): Promise<void> {
  const [tasks, categories] = await Promise.all([
    call(() => client.tasks(), 'asking for tasks'),
    call(() => client.categories(), 'asking for categories'),
  ]);
  const taskNames = new Set(tasks.map((t) => t.name));
  const categoryNames = new Set(categories.map((c) => c.name));
  const wanted = options.mix.map((e) => e.task);
  if (options.fail > 0) wanted.push(FAIL_TASK);
  for (const task of wanted) {
    if (!taskNames.has(task)) {
      throw new GeneratorError(
        `unknown task '${task}' in --mix; the server has: ${[...taskNames].join(', ')}`,
      );
    }
  }
  for (const { category } of options.mix) {
    if (!categoryNames.has(category)) {
      throw new GeneratorError(
        `unknown category '${category}' in --mix; the server has: ${[...categoryNames].join(', ')}`,
      );
    }
  }
}
