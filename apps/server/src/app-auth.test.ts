// Token mode: the API, /metrics and socket.io need the token; /healthz does not.
import type { ClientToServerEvents, ServerToClientEvents } from '@cadre/client';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FailureLimiter } from './http/auth.js';
import { startTestServer, type AnyBody, type TestServer } from './test-support/test-server.js';

const TOKEN = 'test-token-123';
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ token: TOKEN, authLimiter: new FailureLimiter({ max: 8 }) });
});
afterAll(async () => {
  await s?.close();
});

async function get(path: string, authorization?: string) {
  const res = await fetch(`${s.url}${path}`, {
    headers: authorization === undefined ? {} : { authorization },
  });
  return {
    status: res.status,
    body: (await res.json().catch(() => null)) as AnyBody,
    headers: res.headers,
  };
}

describe('token mode', () => {
  it('answers 401 without a token or with a wrong one', async () => {
    for (const auth of [undefined, 'Bearer wrong', `Bearer ${TOKEN}x`, TOKEN, `Basic ${TOKEN}`]) {
      const res = await get('/api/stats', auth);
      expect(res.status, String(auth)).toBe(401);
      expect(res.body.error.code).toBe('ERR_UNAUTHORIZED');
      expect(JSON.stringify(res.body)).not.toContain(TOKEN);
    }
    expect((await get('/metrics')).status).toBe(401);
    expect((await get('/api/nope')).status).toBe(401);
  });

  it('answers 200 with the token', async () => {
    expect((await get('/api/stats', `Bearer ${TOKEN}`)).status).toBe(200);
    expect((await get('/metrics', `Bearer ${TOKEN}`)).status).toBe(200);
    const job = await s.client.submit({ task: 'echo', input: 1 });
    expect((await s.client.get(job.id, { waitMs: 10_000 })).state).toBe('succeeded');
  });

  it('guards the flow routes too', async () => {
    // A server of its own: the shared one's limiter counts the other tests' failures.
    const t = await startTestServer({ token: TOKEN });
    try {
      const chain = { jobs: [{ task: 'echo' }, { task: 'echo' }] };
      for (const [method, path] of [
        ['POST', '/api/chains'],
        ['POST', '/api/groups'],
        ['GET', '/api/flows/x'],
        ['POST', '/api/flows/x/cancel'],
      ] as const) {
        const res = await fetch(`${t.url}${path}`, {
          method,
          headers: { 'content-type': 'application/json' },
          body: method === 'POST' ? JSON.stringify(chain) : undefined,
        });
        expect(res.status, path).toBe(401);
      }
      const flow = await t.client.submitChain(chain);
      expect((await t.client.getFlow(flow.id)).id).toBe(flow.id);
    } finally {
      await t.close();
    }
  });

  it('leaves /healthz open', async () => {
    expect(await get('/healthz')).toMatchObject({ status: 200, body: { ok: true } });
  });

  it('refuses sockets without the right token and accepts the token', async () => {
    for (const auth of [undefined, { token: 'wrong' }]) {
      const socket: Socket<ServerToClientEvents, ClientToServerEvents> = connect(s.url, {
        transports: ['websocket'],
        reconnection: false,
        ...(auth ? { auth } : {}),
      });
      const err = await new Promise<Error>((resolve) => socket.once('connect_error', resolve));
      expect(err.message).toBe('unauthorized');
      socket.close();
    }
    const ok: Socket<ServerToClientEvents, ClientToServerEvents> = connect(s.url, {
      transports: ['websocket'],
      reconnection: false,
      auth: { token: TOKEN },
    });
    const snapshot = await new Promise((resolve) => ok.once('snapshot', resolve));
    expect(snapshot).toHaveProperty('stats.workers', 2);
    ok.close();
  });

  it('rate-limits failed attempts per address with 429', async () => {
    let last = 0;
    for (let i = 0; i < 12 && last !== 429; i++)
      last = (await get('/api/stats', 'Bearer no')).status;
    expect(last).toBe(429);
    const res = await get('/api/stats', 'Bearer no');
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
