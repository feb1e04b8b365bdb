// Fuzzes the HTTP API of one real server (real engine, MemoryStore) with
// thousands of generated requests: odd methods and paths, wrong types in every
// JobRequest field (callbacks, chains and groups included), junk and hostile
// JSON, odd content types, absurd queries.
// Invariants: never a 5xx; every error has the `{ error: { code, message } }`
// shape; the server keeps serving; no prototype is polluted; canary jobs stay
// as they were; and only answered (2xx) submissions created jobs (a callback
// of a lone job counts as answered with its parent).
import type { Flow, Job } from '@cadre/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeRawAgent, rawRequest, type RawRequest } from './test-support/raw-http.js';
import { startTestServer, type TestServer } from './test-support/test-server.js';

let s: TestServer;
let canaries: Job[] = [];
const protoKeysBefore = Object.getOwnPropertyNames(Object.prototype).sort();
const arrayProtoKeysBefore = Object.getOwnPropertyNames(Array.prototype).sort();
/** Ids of every job a 2xx submission answered with. */
const answered = new Set<string>();
let cases = 0;
/** Flows (chains and groups) that 2xx answers created. */
let flows = 0;

beforeAll(async () => {
  s = await startTestServer();
  canaries = await s.client.submit(
    ['default', 'email', 'reports', 'images'].map((category, i) => ({
      task: 'echo',
      category,
      input: { canary: i, nested: { list: [1, 'two', null] } },
      delayMs: 3_600_000,
      key: `canary-${i}`,
    })),
  );
  for (const c of canaries) answered.add(c.id);
});

afterAll(async () => {
  closeRawAgent();
  await s?.close();
  console.log(
    `fuzz-http-api: ${cases} requests, ${answered.size - canaries.length} jobs answered, ${flows} flows created`,
  );
});

async function send(req: RawRequest): Promise<void> {
  cases++;
  const res = await rawRequest(s.url, req);
  const what = `${req.method} ${req.path} ${String(req.body ?? '').slice(0, 200)}`;
  expect(res.status, what).toBeGreaterThanOrEqual(200);
  expect(res.status, `${what}\n${res.text.slice(0, 300)}`).toBeLessThan(500);
  // engine.io answers its own protocol errors under /socket.io/; not the API's shape.
  if (req.path.startsWith('/socket.io')) return;
  if (res.status >= 400 && req.method !== 'HEAD') {
    let body: unknown;
    try {
      body = JSON.parse(res.text);
    } catch {
      throw new Error(`${what}: error body is not JSON: ${res.text.slice(0, 200)}`);
    }
    expect(body, what).toMatchObject({
      error: { code: expect.any(String), message: expect.any(String) },
    });
  }
  if (res.status < 200 || res.status >= 300 || req.method !== 'POST') return;
  if (/^\/api\/jobs\/?(\?.*)?$/.test(req.path)) {
    const body = JSON.parse(res.text) as Job | Job[];
    for (const job of Array.isArray(body) ? body : [body]) answered.add(job.id);
  } else if (/^\/api\/(chains|groups)\/?(\?.*)?$/.test(req.path)) {
    const flow = JSON.parse(res.text) as Flow;
    flows += 1;
    for (const job of [...flow.jobs, ...flow.callbacks]) answered.add(job.id);
    if (flow.callback !== null) answered.add(flow.callback.id);
  }
}

async function allJobs(): Promise<Map<string, Job>> {
  const jobs = new Map<string, Job>();
  let cursor: string | undefined;
  do {
    const page = await s.engine.list({ limit: 1000, ...(cursor ? { cursor } : {}) });
    for (const j of page.jobs) jobs.set(j.id, j);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return jobs;
}

// ── arbitraries ──────────────────────────────────────────────────────────

const oddString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '..',
    '../..',
    '%00',
    '\u0000',
    '\uD800',
    '\u202E',
    '🦄'.repeat(50),
    'x'.repeat(201),
    'x'.repeat(5000),
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    'hasOwnProperty',
  ),
);

/** Path segments: real ones, traversal, encoded junk, long and unicode (percent-encoded). */
const segment = fc.oneof(
  fc.constantFrom(
    'api',
    'jobs',
    'categories',
    'tasks',
    'stats',
    'cancel',
    'retry',
    'chains',
    'groups',
    'flows',
    'openapi.json',
    'healthz',
    'metrics',
    'default',
    'email',
    '..',
    '.',
    '%2e%2e',
    '%2F',
    '%',
    '%zz',
    '%E0%A4%A',
    '%C0%AF',
    '%00',
    '%FF%FE',
    '__proto__',
    'constructor',
    ';',
    '~',
    '*',
    'x'.repeat(3000),
  ),
  oddString.map((t) => encodeURIComponent(t.replace(/[\uD800-\uDFFF]/g, '?'))),
);

const path = fc.oneof(
  fc.array(segment, { maxLength: 6 }).map((parts) => `/${parts.join('/')}`),
  fc.array(segment, { maxLength: 4 }).map((parts) => `/api/${parts.join('/')}`),
  fc.array(segment, { maxLength: 3 }).map((parts) => `/api/jobs/${parts.join('/')}`),
  segment.map((id) => `/api/jobs/${id}/cancel`),
  segment.map((id) => `/api/jobs/${id}/retry`),
  segment.map((name) => `/api/categories/${name}`),
  segment.map((id) => `/api/flows/${id}`),
  segment.map((id) => `/api/flows/${id}/cancel`),
);

const method = fc.constantFrom(
  'GET',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'HEAD',
  'OPTIONS',
  'TRACE',
  'PROPFIND',
  'PURGE',
);

const json = fc.jsonValue({ maxDepth: 4 });
const wrong = fc.oneof(
  json,
  oddString,
  fc.constantFrom(-1, 0, 0.5, 1e308, -1e308, 2 ** 53, Number.MAX_SAFE_INTEGER + 2, 1e21, true),
);
const taskName = fc.oneof(
  fc.constantFrom('echo', 'sleep', 'fail', 'permanent', 'flaky', 'nope'),
  oddString,
  wrong,
);
const canaryKey = fc.constantFrom('canary-0', 'canary-1', 'canary-2', 'canary-3');

/** JobRequest-like objects with any field wrong (or right), without callbacks. */
const plainRequest = fc.record(
  {
    task: taskName,
    category: fc.oneof(fc.constantFrom('default', 'email', 'reports', 'images', 'nope'), wrong),
    input: fc.oneof(json, wrong),
    delayMs: fc.oneof(fc.integer({ min: -10, max: 10 }), wrong),
    runAt: fc.oneof(
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      fc.constantFrom('2020-13-45T99:99:99Z', 'now', 'tomorrow', '0', ''),
      wrong,
    ),
    maxRetries: fc.oneof(fc.integer({ min: -2, max: 102 }), wrong),
    timeoutMs: fc.oneof(fc.integer({ min: -2, max: 100 }), wrong),
    key: fc.oneof(canaryKey, oddString, wrong),
    [String('extra')]: wrong,
  },
  { requiredKeys: [] },
);

/** A request that may pass: a quick task, no field or a right one, an input that is an array or none. */
const plausibleRequest = fc.record(
  {
    task: fc.constantFrom('echo', 'echo', 'permanent', 'fail', 'nope'),
    input: fc.oneof(fc.array(json, { maxLength: 3 }), json),
    category: fc.constantFrom('default', 'email', 'nope'),
    maxRetries: fc.constantFrom(0, 1),
    delayMs: fc.constantFrom(0, 5),
    key: canaryKey,
  },
  { requiredKeys: ['task'] },
);

/** `request` with callbacks whose requests come from `callback`, each field maybe wrong. */
const withCallbacks = (
  request: fc.Arbitrary<Record<string, unknown>>,
  callback: fc.Arbitrary<unknown>,
) =>
  fc
    .tuple(
      request,
      fc.record(
        {
          onSuccess: fc.oneof(fc.array(callback, { maxLength: 3 }), callback, wrong),
          onError: fc.oneof(fc.array(callback, { maxLength: 3 }), wrong),
          immutable: fc.oneof(fc.boolean(), wrong),
        },
        { requiredKeys: [] },
      ),
    )
    .map(([r, links]) => ({ ...r, ...links }));

const linkedPlausible = withCallbacks(
  plausibleRequest,
  withCallbacks(plausibleRequest, plausibleRequest),
);

/** JobRequest-like objects: any field wrong (or right), callbacks too, nested up to 3 deep. */
const jobRequest = fc.oneof(
  { weight: 3, arbitrary: plainRequest },
  { weight: 1, arbitrary: withCallbacks(plainRequest, withCallbacks(plainRequest, plainRequest)) },
  { weight: 2, arbitrary: linkedPlausible },
);

/** A job of a flow that mostly passes, with callbacks `depth` deep that mostly pass too. */
const flowJob = (depth: number): fc.Arbitrary<Record<string, unknown>> =>
  fc.record(
    {
      task: fc.constantFrom('echo', 'echo', 'echo', 'permanent'),
      input: fc.array(json, { maxLength: 2 }),
      immutable: fc.boolean(),
      onSuccess: depth > 0 ? fc.array(flowJob(depth - 1), { maxLength: 2 }) : fc.constant([]),
      onError: depth > 0 ? fc.array(flowJob(depth - 1), { maxLength: 2 }) : fc.constant([]),
    },
    { requiredKeys: ['task'] },
  );

/** Chain and group bodies with any field wrong (or right). */
const flowBody = fc.oneof(
  fc
    .record(
      {
        jobs: fc.array(flowJob(2), { minLength: 1, maxLength: 4 }),
        callback: flowJob(1),
      },
      { requiredKeys: ['jobs'] },
    )
    .map((b) => JSON.stringify(b)),
  fc
    .record(
      {
        jobs: fc.oneof(
          fc.array(jobRequest, { maxLength: 4 }),
          fc.array(plausibleRequest, { minLength: 1, maxLength: 4 }),
          jobRequest,
          wrong,
        ),
        callback: fc.oneof(jobRequest, plausibleRequest, wrong),
        [String('extra')]: wrong,
      },
      { requiredKeys: [] },
    )
    .map((b) => JSON.stringify(b)),
  fc.array(jobRequest, { maxLength: 3 }).map((r) => JSON.stringify(r)),
  json.map((v) => JSON.stringify(v)),
  fc.constantFrom(
    '',
    '{',
    '{}',
    '{"jobs":[]}',
    '{"jobs":null}',
    '{"jobs":[{"task":"echo"}],"callback":null}',
    '{"jobs":[{"task":"echo"},{"task":"echo","input":{"__proto__":{"polluted":1}}}]}',
    '{"jobs":[{"task":"echo","onSuccess":[{"task":"echo","constructor":{"prototype":{"polluted":1}}}]}]}',
  ),
);

const jsonBody = fc.oneof(
  jobRequest.map((r) => JSON.stringify(r)),
  fc.array(jobRequest, { maxLength: 5 }).map((r) => JSON.stringify(r)),
  json.map((v) => JSON.stringify(v)),
  fc.constantFrom(
    '',
    '{',
    '[',
    '}',
    'null',
    'true',
    '"task"',
    '[]',
    '{}',
    '{"task":"echo",}',
    "{'task':'echo'}",
    '{"task":"echo","task":"nope"}',
    '{"task":"nope","task":"echo","input":1,"input":2}',
    '{"task":"echo","delayMs":1e309}',
    '{"task":"echo","delayMs":-1e309}',
    '{"task":"echo","timeoutMs":NaN}',
    '{"task":"echo","maxRetries":Infinity}',
    '{"task":"echo","input":"\\ud800"}',
    '{"task":"echo","input":"\\u0000"}',
    '\uFEFF{"task":"echo"}',
    '{"__proto__":{"polluted":true},"task":"echo"}',
    '{"task":"echo","input":{"__proto__":{"polluted":true}}}',
    '{"task":"echo","input":[[{"a":{"constructor":{"prototype":{"polluted":1}}}}]]}',
    '[{"task":"echo"},{"task":"echo","input":{"x":{"prototype":1}}}]',
    '{"constructor":{"prototype":{"polluted":true}}}',
  ),
  // Proto keys at a random depth, under an otherwise valid request.
  fc
    .tuple(
      fc.integer({ min: 0, max: 30 }),
      fc.constantFrom('__proto__', 'constructor', 'prototype'),
    )
    .map(
      ([depth, key]) =>
        `{"task":"echo","input":${'{"a":'.repeat(depth)}{"${key}":{"polluted":1}}${'}'.repeat(depth)}}`,
    ),
);

const contentType = fc.constantFrom(
  undefined,
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'application/json; charset=nope',
  'application/problem+json',
  'APPLICATION/JSON',
  'text/plain',
  'text/html',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  '*/*',
  'application/',
  ';;;',
);

const contentEncoding = fc.constantFrom(
  undefined,
  undefined,
  undefined,
  'gzip',
  'deflate',
  'br',
  'identity',
  'x-junk',
);

const queryValue = fc.oneof(
  fc.constantFrom(
    '-1',
    '0',
    '1',
    '1000',
    '1001',
    '1e309',
    '-1e309',
    'NaN',
    'Infinity',
    '99999999',
    '1.5',
    '0x10',
    '',
    '+',
    '%20',
    '%00',
    '%zz',
    '%E0%A4%A',
    'x'.repeat(2000),
  ),
  oddString.map((t) => encodeURIComponent(t.replace(/[\uD800-\uDFFF]/g, '?'))),
);
const queryKey = fc.constantFrom(
  'limit',
  'cursor',
  'state',
  'category',
  'flowId',
  'waitMs',
  'limit[]',
  'limit[a]',
  '__proto__',
  '__proto__[polluted]',
  'constructor[prototype][polluted]',
  'waitMs[]',
);
const query = fc
  .array(fc.tuple(queryKey, queryValue), { minLength: 1, maxLength: 4 })
  .map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&'));

// ── properties ───────────────────────────────────────────────────────────

describe('fuzzing the HTTP API', () => {
  it('random methods and paths', async () => {
    await fc.assert(
      fc.asyncProperty(method, path, async (m, p) => send({ method: m, path: p })),
      { numRuns: 700 },
    );
  }, 60_000);

  it('job submissions with every field wrong', async () => {
    await fc.assert(
      fc.asyncProperty(jsonBody, async (body) =>
        send({
          method: 'POST',
          path: '/api/jobs',
          headers: { 'content-type': 'application/json' },
          body,
        }),
      ),
      { numRuns: 900 },
    );
  }, 60_000);

  it('chain and group submissions with every field wrong', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/api/chains', '/api/groups'), flowBody, async (p, body) =>
        send({
          method: 'POST',
          path: p,
          headers: { 'content-type': 'application/json' },
          body,
        }),
      ),
      { numRuns: 700 },
    );
  }, 60_000);

  it('odd content types and encodings on every body route', async () => {
    const route = fc.constantFrom(
      ['POST', '/api/jobs'],
      ['PATCH', '/api/categories/default'],
      ['PATCH', '/api/categories/nope'],
      ['POST', '/api/jobs/x/cancel'],
      ['POST', '/api/chains'],
      ['POST', '/api/groups'],
      ['POST', '/api/flows/x/cancel'],
    );
    const patchBody = fc
      .record(
        { weight: wrong, minWorkers: wrong, maxWorkers: wrong, paused: wrong },
        { requiredKeys: [] },
      )
      .map((r) => JSON.stringify(r));
    await fc.assert(
      fc.asyncProperty(
        route,
        fc.oneof(jsonBody, flowBody, patchBody, oddString),
        contentType,
        contentEncoding,
        async ([m, p], body, type, encoding) => {
          const headers: Record<string, string> = {};
          if (type !== undefined) headers['content-type'] = type;
          if (encoding !== undefined) headers['content-encoding'] = encoding;
          await send({ method: m, path: p, headers, body });
        },
      ),
      { numRuns: 500 },
    );
  }, 60_000);

  it('absurd query values', async () => {
    const route = fc.constantFrom(
      '/api/jobs',
      `/api/jobs/nope`,
      '/api/stats',
      '/api/categories',
      '/api/flows/nope',
    );
    await fc.assert(
      fc.asyncProperty(route, query, fc.boolean(), async (r, q, canary) => {
        // waitMs on an existing unfinished job would block; cap what could wait.
        const p = canary && r === '/api/jobs/nope' ? `/api/jobs/${canaries[0]!.id}` : r;
        const capped = q.replace(/waitMs=(\d+)/g, (all, n: string) =>
          Number(n) > 50 && Number(n) <= 30_000 ? 'waitMs=50' : all,
        );
        await send({ method: 'GET', path: `${p}?${capped}` });
      }),
      { numRuns: 600 },
    );
  }, 60_000);

  it('answers 400 to the cases that once were 500s', async () => {
    // An undecodable % escape in a route parameter (express's URIError).
    for (const p of ['/api/jobs/%zz/cancel', '/api/categories/%', '/api/jobs/%E0%A4%A']) {
      const res = await rawRequest(s.url, { method: 'GET', path: p });
      expect(res.status, p).toBe(400);
      expect(JSON.parse(res.text).error.code).toBe('ERR_VALIDATION');
    }
    // A body that does not inflate as its Content-Encoding says.
    for (const encoding of ['gzip', 'deflate', 'br']) {
      const res = await rawRequest(s.url, {
        method: 'POST',
        path: '/api/jobs',
        headers: { 'content-type': 'application/json', 'content-encoding': encoding },
        body: '{"task":"echo"}',
      });
      expect(res.status, encoding).toBe(400);
      expect(JSON.parse(res.text).error.code).toBe('ERR_VALIDATION');
    }
  });

  it('huge and deeply nested bodies are refused or accepted, never a crash', async () => {
    const deepArray = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
    const deepObject = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
    const bodies = [
      deepArray(10_000),
      deepArray(100_000),
      `{"task":"echo","input":${deepArray(10_000)}}`,
      `{"task":"echo","input":${deepArray(100_000)}}`,
      `{"task":"echo","input":${deepObject(10_000)}}`,
      `{"task":"echo","input":${deepObject(100_000)}}`,
      `[${Array.from({ length: 3 }, () => `{"task":"echo","input":${deepArray(50_000)}}`).join(',')}]`,
      // Just under and over the body limit (16 MiB), and over the input limit (1 MiB).
      `{"task":"echo","input":"${'x'.repeat(16 * 1024 * 1024 - 100)}"}`,
      `{"task":"echo","input":"${'x'.repeat(16 * 1024 * 1024 + 100)}"}`,
      `{"task":"echo","input":"${'x'.repeat(1024 * 1024 + 1)}"}`,
      `[${Array.from({ length: 10_001 }, () => '{"task":"echo"}').join(',')}]`,
      `{"task":"echo","input":{${Array.from({ length: 100_000 }, (_, i) => `"k${i}":${i}`).join(',')}}}`,
    ];
    const deepCallbacks = (depth: number) =>
      `{"task":"echo"${',"onSuccess":[{"task":"echo"'.repeat(depth)}${'}]'.repeat(depth)}}`;
    const manyCallbacks = (n: number) =>
      `{"task":"echo","onError":[${Array.from({ length: n }, () => '{"task":"echo"}').join(',')}]}`;
    const flowBodies: [string, string][] = [
      ['/api/jobs', deepCallbacks(33)],
      ['/api/jobs', deepCallbacks(100_000)],
      ['/api/jobs', `[${deepCallbacks(10_000)},${deepCallbacks(10_000)}]`],
      ['/api/jobs', manyCallbacks(10_000)],
      ['/api/jobs', manyCallbacks(500_000)],
      ['/api/chains', `{"jobs":[{"task":"echo"},${deepCallbacks(100_000)}]}`],
      ['/api/chains', `{"jobs":[{"task":"echo"},${manyCallbacks(200_000)}]}`],
      ['/api/groups', `{"jobs":[{"task":"echo"}],"callback":${deepCallbacks(100_000)}}`],
      [
        '/api/groups',
        `{"jobs":[${Array.from({ length: 100_000 }, () => '{"task":"echo"}').join(',')}]}`,
      ],
      ['/api/groups', `{"jobs":[{"task":"echo","input":${deepArray(100_000)}}]}`],
    ];
    for (const [p, body] of [
      ...bodies.map((b): [string, string] => ['/api/jobs', b]),
      ...flowBodies,
    ]) {
      await send({
        method: 'POST',
        path: p,
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect((await rawRequest(s.url, { method: 'GET', path: '/healthz' })).status).toBe(200);
    }
  }, 60_000);

  it('leaves prototypes, canaries and the job count as they were', async () => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoKeysBefore);
    expect(Object.getOwnPropertyNames(Array.prototype).sort()).toEqual(arrayProtoKeysBefore);
    for (const canary of canaries) expect(await s.engine.get(canary.id)).toEqual(canary);
    // Every job that exists was answered with a 2xx, or is a callback of one
    // that was, and every answered job exists.
    const jobs = await allJobs();
    const accounted = (job: Job): boolean =>
      answered.has(job.id) ||
      (job.parents.length > 0 &&
        job.parents.every((p) => {
          const parent = jobs.get(p);
          return parent !== undefined && accounted(parent);
        }));
    expect([...jobs.values()].filter((j) => !accounted(j)).map((j) => j.id)).toEqual([]);
    expect([...answered].filter((id) => !jobs.has(id))).toEqual([]);
    expect(cases).toBeGreaterThanOrEqual(2000);
    expect(flows).toBeGreaterThan(0);
    expect((await rawRequest(s.url, { method: 'GET', path: '/healthz' })).status).toBe(200);
  });
});
