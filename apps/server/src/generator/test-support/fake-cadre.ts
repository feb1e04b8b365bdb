/**
 * A small stand-in for a cadre server, speaking the HTTP contract over a real
 * socket on 127.0.0.1, so the generator's protocol handling (throttling,
 * retries, idempotent resends, auth, paging) can be tested without the engine.
 * Jobs finish only when the test says so, by `finishNext(n)`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Job, JobRequest } from '@cadre/core';

export interface ScriptedAnswer {
  status: number;
  code: string;
  retryAfterS?: number;
}

export interface FakeCadre {
  url: string;
  jobs: Job[];
  /** Answers for the next POST /api/jobs, used up in order before any job is created. */
  submitScript: ScriptedAnswer[];
  /** Every request, as 'METHOD /path'. */
  requests: string[];
  /** Called on each GET /api/stats: lets a test finish jobs as the generator polls. */
  onStats: () => void;
  finishNext(n: number): void;
  close(): Promise<void>;
}

const TASKS = ['echo', 'sleep', 'fib', 'fail'];
const CATEGORIES = ['default', 'email', 'reports', 'images'];

export async function startFakeCadre(
  options: { token?: string; preexisting?: number } = {},
): Promise<FakeCadre> {
  const jobs: Job[] = [];
  const byKey = new Map<string, Job>();
  let clock = Date.parse('2026-01-01T00:00:00.000Z');
  const tick = () => new Date((clock += 1)).toISOString();

  const create = (r: JobRequest): Job => ({
    id: `j${jobs.length}`,
    key: r.key ?? null,
    category: r.category ?? 'default',
    task: r.task,
    input: r.input ?? null,
    state: r.delayMs ? 'delayed' : 'queued',
    attempts: 0,
    maxRetries: 0,
    timeoutMs: null,
    priority: 0,
    runAt: r.delayMs ? new Date(clock + r.delayMs).toISOString() : null,
    createdAt: tick(),
    startedAt: null,
    finishedAt: null,
    durationMs: null,
    progress: null,
    result: null,
    lastError: null,
    failure: null,
    node: null,
    flowId: null,
    flowRole: null,
    parents: [],
    trigger: null,
    schedule: null,
  });
  for (let i = 0; i < (options.preexisting ?? 0); i++) {
    const job = create({ task: 'echo', category: 'reports' });
    jobs.push({ ...job, state: 'succeeded', startedAt: tick(), finishedAt: tick(), durationMs: 1 });
  }

  const fake: FakeCadre = {
    url: '',
    jobs,
    submitScript: [],
    requests: [],
    onStats: () => {},
    finishNext(n) {
      for (const job of jobs) {
        if (n <= 0) break;
        if (job.state !== 'queued' && job.state !== 'delayed') continue;
        job.startedAt = tick();
        job.finishedAt = tick();
        job.durationMs = 1;
        job.attempts = 1;
        job.state = job.task === 'fail' ? 'failed' : 'succeeded';
        n -= 1;
      }
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };

  const count = (state: Job['state']) => jobs.filter((j) => j.state === state).length;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    fake.requests.push(`${req.method} ${url.pathname}`);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    const fail = (status: number, code: string, message: string, headers = {}) =>
      send(status, { error: { code, message } }, headers);
    if (options.token && req.headers.authorization !== `Bearer ${options.token}`) {
      return fail(401, 'ERR_UNAUTHORIZED', 'missing or wrong token');
    }
    let body = '';
    for await (const chunk of req) body += String(chunk);

    if (req.method === 'GET' && url.pathname === '/api/stats') {
      fake.onStats();
      return send(200, {
        workers: 2,
        allocation: { reports: 1, images: 1, default: 0, email: 0 },
        queued: count('queued'),
        running: 0,
        waiting: 0,
        delayed: count('delayed'),
        retrying: 0,
        succeeded: count('succeeded'),
        failed: count('failed'),
        cancelled: count('cancelled'),
        uptimeMs: 1,
      });
    }
    if (req.method === 'GET' && url.pathname === '/api/tasks') {
      return send(
        200,
        TASKS.map((name) => ({ name, category: null })),
      );
    }
    if (req.method === 'GET' && url.pathname === '/api/categories') {
      return send(
        200,
        CATEGORIES.map((name) => ({ name })),
      );
    }
    if (req.method === 'POST' && url.pathname === '/api/jobs') {
      const scripted = fake.submitScript.shift();
      if (scripted) {
        const headers: Record<string, string> =
          scripted.retryAfterS === undefined ? {} : { 'retry-after': String(scripted.retryAfterS) };
        return fail(scripted.status, scripted.code, `scripted ${scripted.status}`, headers);
      }
      const requests = JSON.parse(body) as JobRequest[];
      const unknown = requests.find((r) => !TASKS.includes(r.task));
      if (unknown) return fail(400, 'ERR_UNKNOWN_TASK', `unknown task '${unknown.task}'`);
      const answer = requests.map((r) => {
        const existing = r.key === undefined ? undefined : byKey.get(r.key);
        if (existing) return existing;
        const job = create(r);
        jobs.push(job);
        if (r.key !== undefined) byKey.set(r.key, job);
        return job;
      });
      return send(201, answer);
    }
    if (req.method === 'GET' && url.pathname === '/api/jobs') {
      const category = url.searchParams.get('category');
      const limit = Number(url.searchParams.get('limit') ?? 100);
      const from = Number(url.searchParams.get('cursor') ?? 0);
      const newestFirst = jobs
        .filter((j) => category === null || j.category === category)
        .reverse();
      const page = newestFirst.slice(from, from + limit);
      const next = from + limit < newestFirst.length ? String(from + limit) : null;
      return send(200, { jobs: page, nextCursor: next });
    }
    const one = /^\/api\/jobs\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && one) {
      const job = jobs.find((j) => j.id === one[1]);
      if (!job) return fail(404, 'ERR_JOB_NOT_FOUND', 'no such job');
      // Long-poll stand-in: a waiting client makes its job finish.
      if (url.searchParams.has('waitMs') && (job.state === 'queued' || job.state === 'delayed')) {
        job.startedAt = tick();
        job.finishedAt = tick();
        job.durationMs = 1;
        job.state = job.task === 'fail' ? 'failed' : 'succeeded';
      }
      return send(200, job);
    }
    return fail(404, 'ERR_NOT_FOUND', 'not found');
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      res.writeHead(500);
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}
