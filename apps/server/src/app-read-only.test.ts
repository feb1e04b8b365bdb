// Read-only access (CADRE_READ_TOKEN): every read answers, every change is
// refused with 403 ERR_READ_ONLY and changes nothing, on HTTP and on the socket,
// on the local backend and on PostgreSQL.
import type { ClientToServerEvents, ServerToClientEvents } from '@cadre/client';
import type { Job } from '@cadre/core';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from './app.js';
import { openApiDocument } from './http/openapi.js';
import { readServerEnv } from './server-env.js';
import {
  silentLogger,
  startTestServer,
  type AnyBody,
  type TestServer,
} from './test-support/test-server.js';
import { serverBackends } from './test-support/postgres-backend.js';

const TOKEN = 'write-token-123';
const READ_TOKEN = 'read-token-456';
let s: TestServer;
let job: Job;
const BACKENDS = serverBackends();

async function call(method: string, path: string, token: string, body?: unknown) {
  const res = await fetch(`${s.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: AnyBody = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    // /metrics is text.
  }
  return { status: res.status, body: parsed, text };
}

/** An OpenAPI path with its parameters filled in with real names. */
function fill(path: string): string {
  return path
    .replace('{id}', job.id)
    .replace('{name}', path.startsWith('/api/categories') ? 'email' : 'nope');
}

describe.each(BACKENDS)('on the %s backend', (_name, options) => {
  beforeAll(async () => {
    s = await startTestServer({ ...(await options()), token: TOKEN, readToken: READ_TOKEN });
    job = await s.client.submit({ task: 'sleep', input: { ms: 60_000 }, delayMs: 600_000 });
  });
  afterAll(async () => {
    await s?.close();
  });

  describe('GET /api/access', () => {
    it('tells each token its access', async () => {
      expect((await call('GET', '/api/access', READ_TOKEN)).body).toEqual({ access: 'read' });
      expect((await call('GET', '/api/access', TOKEN)).body).toEqual({ access: 'write' });
      const open = await startTestServer();
      try {
        expect(await open.client.access()).toEqual({ access: 'write' });
      } finally {
        await open.close();
      }
    });

    it('is in the typed client', async () => {
      const { createClient } = await import('@cadre/client');
      const reader = createClient({ url: s.url, token: READ_TOKEN });
      expect(await reader.access()).toEqual({ access: 'read' });
    });
  });

  describe('read-only token over HTTP', () => {
    it('reads every documented GET route and /metrics', async () => {
      const doc = openApiDocument() as { paths: Record<string, Record<string, unknown>> };
      const gets = Object.entries(doc.paths)
        .filter(([path, ops]) => path.startsWith('/api') && 'get' in ops)
        .map(([path]) => fill(path));
      expect(gets.length).toBeGreaterThan(10);
      for (const path of gets) {
        const res = await call('GET', path, READ_TOKEN);
        expect(res.status, path).not.toBe(401);
        expect(res.status, path).not.toBe(403);
      }
      expect((await call('GET', `/api/jobs/${job.id}`, READ_TOKEN)).body.id).toBe(job.id);
      expect((await call('GET', '/api/jobs', READ_TOKEN)).body.jobs.length).toBeGreaterThan(0);
      const metrics = await call('GET', '/metrics', READ_TOKEN);
      expect(metrics.status).toBe(200);
      expect(metrics.text).toContain('cadre_');
    });

    it('refuses every documented change with 403 ERR_READ_ONLY', async () => {
      const doc = openApiDocument() as { paths: Record<string, Record<string, unknown>> };
      const changes = Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.keys(ops)
          .filter((m) => ['post', 'put', 'patch', 'delete'].includes(m))
          .map((m) => [m.toUpperCase(), fill(path)] as const),
      );
      // Every change the API has today, so that a missing document would be noticed.
      expect(changes.map(([m, p]) => `${m} ${p.replace(job.id, ':id')}`)).toEqual(
        expect.arrayContaining([
          'POST /api/jobs',
          'POST /api/jobs/:id/cancel',
          'POST /api/jobs/:id/retry',
          'POST /api/chains',
          'POST /api/groups',
          'POST /api/flows/:id/cancel',
          'PATCH /api/categories/email',
          'DELETE /api/nodes/nope',
          'POST /api/schedules',
          'PATCH /api/schedules/nope',
          'DELETE /api/schedules/nope',
          'POST /api/observers',
          'DELETE /api/observers/nope',
        ]),
      );
      for (const [method, path] of changes) {
        const res = await call(method, path, READ_TOKEN, { task: 'echo' });
        expect(res.status, `${method} ${path}`).toBe(403);
        expect(res.body.error.code, `${method} ${path}`).toBe('ERR_READ_ONLY');
        expect(res.body.error.message).toContain('may only read');
        expect(res.text).not.toContain(READ_TOKEN);
      }
    });

    it('refuses changes on routes the document does not know, and bodies it cannot parse', async () => {
      for (const [method, path] of [
        ['POST', '/api/jobs/bulk'],
        ['PUT', '/api/jobs'],
        ['POST', '/api/nothing-here'],
        ['DELETE', '/api/jobs'],
      ]) {
        const res = await call(method!, path!, READ_TOKEN, { action: 'delete', filter: {} });
        expect(res.status, path).toBe(403);
        expect(res.body.error.code).toBe('ERR_READ_ONLY');
      }
      const raw = await fetch(`${s.url}/api/jobs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${READ_TOKEN}`, 'content-type': 'application/json' },
        body: '{not json',
      });
      expect(raw.status).toBe(403);
    });

    it('changes nothing when refused', async () => {
      const before = (await call('GET', '/api/stats', READ_TOKEN)).body;
      await call('POST', '/api/jobs', READ_TOKEN, { task: 'echo', input: 1 });
      await call('POST', `/api/jobs/${job.id}/cancel`, READ_TOKEN);
      await call('PATCH', '/api/categories/email', READ_TOKEN, { paused: true });
      const after = (await call('GET', '/api/stats', READ_TOKEN)).body;
      expect(after.delayed).toBe(before.delayed);
      expect(after.succeeded + after.queued + after.running).toBe(
        before.succeeded + before.queued + before.running,
      );
      expect((await s.client.get(job.id)).state).toBe('delayed');
      const email = (await s.client.categories()).find((c) => c.name === 'email');
      expect(email?.paused).toBe(false);
    });

    it('still lets the write token change things', async () => {
      const res = await call('POST', `/api/jobs/${job.id}/cancel`, TOKEN);
      expect(res.status).toBe(200);
      expect(res.body.state).toBe('cancelled');
    });

    it('answers 401, not 403, for a wrong token', async () => {
      const res = await call('POST', '/api/jobs', 'not-a-token', { task: 'echo' });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('ERR_UNAUTHORIZED');
    });
  });

  describe('read-only token on the socket', () => {
    type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
    const open = (token: string): ClientSocket =>
      connect(s.url, { transports: ['websocket'], reconnection: false, auth: { token } });

    it('receives snapshots and the events of a watched job', async () => {
      const socket = open(READ_TOKEN);
      try {
        const snapshot = await new Promise((resolve) => socket.once('snapshot', resolve));
        expect(snapshot).toHaveProperty('stats.workers', 2);
        // Long enough that the watch is in place before it finishes.
        const watched = await s.client.submit({ task: 'sleep', input: { ms: 1000 } });
        const finished = new Promise<Job>((resolve) => {
          socket.on('job', (j) => {
            if (j.id === watched.id && j.state === 'succeeded') resolve(j);
          });
        });
        socket.emit('watch', watched.id);
        const done = await finished;
        expect(done?.id).toBe(watched.id);
      } finally {
        socket.close();
      }
    });

    it('refuses any event that is not a read with ERR_READ_ONLY', async () => {
      const reader = open(READ_TOKEN);
      const writer = open(TOKEN);
      try {
        await new Promise((resolve) => reader.once('snapshot', resolve));
        await new Promise((resolve) => writer.once('snapshot', resolve));
        const emit = reader.emit.bind(reader) as unknown as (
          event: string,
          ...args: unknown[]
        ) => void;
        const answer = await new Promise<AnyBody>((resolve) => emit('cancel', job.id, resolve));
        expect(answer).toMatchObject({ error: { code: 'ERR_READ_ONLY' } });
        // The same event from the write token reaches the server's handlers (none: no answer).
        const writeEmit = writer.emit.bind(writer) as unknown as (
          event: string,
          ...args: unknown[]
        ) => void;
        const none = await Promise.race([
          new Promise((resolve) => writeEmit('cancel', job.id, resolve)),
          new Promise((resolve) => setTimeout(() => resolve('no answer'), 300)),
        ]);
        expect(none).toBe('no answer');
      } finally {
        reader.close();
        writer.close();
      }
    });

    it('refuses a wrong token', async () => {
      const socket = open('nope');
      try {
        const err = await new Promise<Error>((resolve) => socket.once('connect_error', resolve));
        expect(err.message).toBe('unauthorized');
      } finally {
        socket.close();
      }
    });
  });
});

describe('configuration', () => {
  it('refuses CADRE_READ_TOKEN without CADRE_TOKEN, or equal to it', () => {
    expect(() => readServerEnv({ CADRE_READ_TOKEN: 'r' })).toThrow(/without CADRE_TOKEN/);
    expect(() => readServerEnv({ CADRE_READ_TOKEN: 'same', CADRE_TOKEN: 'same' })).toThrow(
      /equals CADRE_TOKEN/,
    );
    expect(readServerEnv({ CADRE_READ_TOKEN: 'r', CADRE_TOKEN: 'w' })).toMatchObject({
      token: 'w',
      readToken: 'r',
    });
    expect(readServerEnv({ CADRE_READ_TOKEN: '' })).toMatchObject({ readToken: null });
  });

  it('createApp refuses a read token without a write token', () => {
    expect(() =>
      createApp({
        engine: s.engine,
        logger: silentLogger,
        metrics: { contentType: 'text/plain', render: async () => '' } as never,
        readToken: 'r',
      }),
    ).toThrow(/CADRE_TOKEN/);
  });
});
