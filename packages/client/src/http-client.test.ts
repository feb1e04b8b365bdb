import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CadreClientError } from './errors.js';
import { createClient } from './http-client.js';

// A loopback server that answers what each test asks for, and records what it got.
let server: Server;
let url = '';
let answer: (req: IncomingMessage, body: string, res: ServerResponse) => void = () => {};
const seen: { method: string; url: string; auth?: string; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, body });
      answer(req, body, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

function reply(status: number, payload: unknown, headers: Record<string, string> = {}) {
  answer = (_req, _body, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(payload));
  };
}

async function caught(p: Promise<unknown>): Promise<CadreClientError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CadreClientError);
  return err as CadreClientError;
}

describe('createClient', () => {
  it('sends JSON with the bearer token and returns the parsed answer', async () => {
    reply(201, [{ id: 'a' }, { id: 'b' }]);
    const client = createClient({ url: `${url}/`, token: 's3cret' });
    const jobs = await client.submit([{ task: 'echo' }, { task: 'echo', input: 1 }]);
    expect(jobs).toEqual([{ id: 'a' }, { id: 'b' }]);
    const last = seen.at(-1)!;
    expect(last).toMatchObject({ method: 'POST', url: '/api/jobs', auth: 'Bearer s3cret' });
    expect(JSON.parse(last.body)).toEqual([{ task: 'echo' }, { task: 'echo', input: 1 }]);
  });

  it('sends a bulk action as one request, and searches with q and task', async () => {
    reply(200, { matched: 3, changed: 2 });
    const client = createClient({ url });
    expect(await client.bulk({ state: 'failed', q: 'boom' }, 'retry')).toEqual({
      matched: 3,
      changed: 2,
    });
    const last = seen.at(-1)!;
    expect(last).toMatchObject({ method: 'POST', url: '/api/jobs/bulk' });
    expect(JSON.parse(last.body)).toEqual({
      filter: { state: 'failed', q: 'boom' },
      action: 'retry',
    });
    reply(200, { jobs: [], nextCursor: null });
    await client.list({ q: 'a&b %', task: 'echo' });
    expect(seen.at(-1)!.url).toBe('/api/jobs?q=a%26b+%25&task=echo');
  });

  it('builds the query of list, get and the category routes', async () => {
    reply(200, { jobs: [], nextCursor: null });
    const client = createClient({ url });
    await client.list({ category: 'mail', state: 'failed', limit: 5, cursor: 'x y' });
    expect(seen.at(-1)!.url).toBe('/api/jobs?category=mail&state=failed&limit=5&cursor=x+y');
    await client.get('id/1', { waitMs: 200 });
    expect(seen.at(-1)!.url).toBe('/api/jobs/id%2F1?waitMs=200');
    await client.patchCategory('reports', { weight: 2 });
    expect(seen.at(-1)).toMatchObject({ method: 'PATCH', url: '/api/categories/reports' });
    expect(seen.at(-1)!.auth).toBeUndefined();
  });

  it('lists the nodes and removes one by its encoded name', async () => {
    const node = {
      name: 'eu/1',
      tags: ['gpu'],
      workers: 4,
      running: 1,
      allocation: { reports: 3 },
      leader: false,
      state: 'dead',
      startedAt: '2030-01-01T00:00:00.000Z',
      heartbeatAt: '2030-01-01T00:01:00.000Z',
    };
    reply(200, [node]);
    const client = createClient({ url, token: 't' });
    expect(await client.nodes()).toEqual([node]);
    expect(seen.at(-1)).toMatchObject({ method: 'GET', url: '/api/nodes', auth: 'Bearer t' });

    answer = (_req, _body, res) => {
      res.writeHead(204);
      res.end();
    };
    await expect(client.removeNode('eu/1')).resolves.toBeUndefined();
    expect(seen.at(-1)).toMatchObject({ method: 'DELETE', url: '/api/nodes/eu%2F1', body: '' });
  });

  it('throws the code of a refused removal', async () => {
    reply(409, { error: { code: 'ERR_NODE_LIVE', message: "node 'a' is live" } });
    const live = await caught(createClient({ url }).removeNode('a'));
    expect(live).toMatchObject({ code: 'ERR_NODE_LIVE', status: 409 });
    reply(404, { error: { code: 'ERR_NODE_NOT_FOUND', message: "no node named 'b'" } });
    const missing = await caught(createClient({ url }).removeNode('b'));
    expect(missing).toMatchObject({ code: 'ERR_NODE_NOT_FOUND', status: 404 });
  });

  it('creates chains and groups, reads and cancels flows, and lists a flow’s jobs', async () => {
    const flow = {
      id: 'f/1',
      kind: 'chain',
      state: 'running',
      jobs: [],
      callback: null,
      callbacks: [],
      createdAt: '2030-01-01T00:00:00.000Z',
    };
    reply(201, flow);
    const client = createClient({ url, token: 't' });
    const chain = {
      jobs: [
        { task: 'fetch', input: { url: 'x' }, onError: [{ task: 'alert', input: ['ops'] }] },
        { task: 'parse', input: ['strict'] },
      ],
    };
    expect(await client.submitChain(chain)).toEqual(flow);
    expect(seen.at(-1)).toMatchObject({ method: 'POST', url: '/api/chains', auth: 'Bearer t' });
    expect(JSON.parse(seen.at(-1)!.body)).toEqual(chain);

    const group = { jobs: [{ task: 'a' }, { task: 'b' }], callback: { task: 'sum', input: [1] } };
    await client.submitGroup(group);
    expect(seen.at(-1)).toMatchObject({ method: 'POST', url: '/api/groups' });
    expect(JSON.parse(seen.at(-1)!.body)).toEqual(group);

    reply(200, flow);
    expect(await client.getFlow('f/1')).toEqual(flow);
    expect(seen.at(-1)).toMatchObject({ method: 'GET', url: '/api/flows/f%2F1', body: '' });
    await client.cancelFlow('f/1');
    expect(seen.at(-1)).toMatchObject({ method: 'POST', url: '/api/flows/f%2F1/cancel', body: '' });

    reply(200, { jobs: [], nextCursor: null });
    await client.list({ flowId: 'f/1', state: 'waiting' });
    expect(seen.at(-1)!.url).toBe('/api/jobs?flowId=f%2F1&state=waiting');
  });

  it('throws the code of an unknown flow, and the path of a refused one', async () => {
    reply(404, { error: { code: 'ERR_FLOW_NOT_FOUND', message: "no flow with id 'x'" } });
    const missing = await caught(createClient({ url }).getFlow('x'));
    expect(missing).toMatchObject({ code: 'ERR_FLOW_NOT_FOUND', status: 404 });
    const details = { index: 1, field: 'onSuccess[0].input' };
    reply(400, {
      error: {
        code: 'ERR_VALIDATION',
        message: 'jobs[1].onSuccess[0].input must be an array or absent',
        details,
      },
    });
    const refused = await caught(
      createClient({ url }).submitChain({ jobs: [{ task: 'a' }, { task: 'b' }] }),
    );
    expect(refused).toMatchObject({ code: 'ERR_VALIDATION', status: 400, details });
  });

  it('throws the server’s code, message, details and Retry-After', async () => {
    reply(
      429,
      { error: { code: 'ERR_QUEUE_FULL', message: 'full', details: { limit: 'total' } } },
      { 'retry-after': '2' },
    );
    const err = await caught(createClient({ url }).submit({ task: 'echo' }));
    expect(err).toMatchObject({
      code: 'ERR_QUEUE_FULL',
      message: 'full',
      status: 429,
      details: { limit: 'total' },
      retryAfterS: 2,
    });
  });

  it('names the status when the answer is not cadre’s error shape', async () => {
    answer = (_req, _body, res) => {
      res.writeHead(502);
      res.end('<html>bad gateway</html>');
    };
    const err = await caught(createClient({ url }).stats());
    expect(err).toMatchObject({ code: 'HTTP_502', status: 502 });
    expect(err.message).toMatch(/GET \/api\/stats answered 502/);
  });

  it('says the server cannot be reached, with the cause', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const err = await caught(createClient({ url: `http://127.0.0.1:${port}` }).health());
    expect(err).toMatchObject({ code: 'ERR_UNREACHABLE', status: 0 });
    expect(err.message).toMatch(/cannot reach cadre at http:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/);
  });
});
