// At the info level, the logs of the real entry point never show a token, a
// job's input or its result: not for wrong-token attempts (HTTP or socket),
// not for failing or refused jobs, not at shutdown with a job still running.
// (Rate-limiting of failed tokens: app-auth.test.ts and http/auth.test.ts.)
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@cadre/client';
import { io as connect } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, spawnMain } from './test-support/spawn-main.js';
import { until } from './test-support/test-server.js';

const tmp = mkdtempSync(join(tmpdir(), 'cadre-logs-'));
const children: ChildProcess[] = [];
beforeAll(ensureBuilt, 120_000);
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});

const TOKEN = 'tok-c4f1e9-right';
const WRONG = 'tok-9b2d77-wrong';
const READ_TOKEN = 'tok-7a3e50-read';
const INPUT = 'input-5e8a31-secret';
const RESULT = 'result-0d4c62-secret';

describe('logs at info', () => {
  it('never contain tokens, inputs or results', async () => {
    const main = spawnMain({
      CADRE_DATA: join(tmp, 'data'),
      CADRE_TOKEN: TOKEN,
      CADRE_READ_TOKEN: READ_TOKEN,
      CADRE_GRACE_MS: '200',
      LOG_LEVEL: 'info',
    });
    children.push(main.child);
    const url = await main.ready();
    const client = createClient({ url, token: TOKEN });

    const ok = await client.submit({ task: 'echo', input: { value: RESULT } });
    expect((await client.get(ok.id, { waitMs: 10_000 })).result).toEqual({ value: RESULT });
    const [failing, permanent] = await client.submit([
      { task: 'fail', input: { value: INPUT }, maxRetries: 0 },
      { task: 'permanent', input: { value: INPUT } },
    ]);
    for (const id of [failing!.id, permanent!.id]) {
      expect((await client.get(id, { waitMs: 10_000 })).state).toBe('failed');
    }
    // Refused requests carrying the secrets.
    const refused = await fetch(`${url}/api/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ task: `nope-${INPUT}`, input: INPUT, key: INPUT }),
    });
    expect(refused.status).toBe(400);
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${url}/api/jobs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${WRONG}`, 'content-type': 'application/json' },
        body: JSON.stringify({ task: 'echo', input: INPUT }),
      });
      expect(res.status).toBe(401);
    }
    // A change refused to the read-only token.
    const readOnly = await fetch(`${url}/api/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${READ_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ task: 'echo', input: INPUT }),
    });
    expect(readOnly.status).toBe(403);
    const socket = connect(url, {
      transports: ['websocket'],
      reconnection: false,
      auth: { token: WRONG },
    });
    await new Promise((resolve) => socket.once('connect_error', resolve));
    socket.close();

    // Still running at SIGTERM: handed back, which is logged.
    const running = await client.submit({ task: 'sleep', input: { ms: 60_000, note: INPUT } });
    await until(
      () => client.get(running.id),
      (j) => j.state === 'running',
    );
    main.child.kill('SIGTERM');
    expect(await main.exited).toBe(0);

    const log = main.output();
    expect(log).toContain('cadre listening on');
    expect(log).toContain('cadre stopped');
    for (const secret of [TOKEN, READ_TOKEN, WRONG, INPUT, RESULT]) {
      expect(log).not.toContain(secret);
    }
  }, 30_000);
});
