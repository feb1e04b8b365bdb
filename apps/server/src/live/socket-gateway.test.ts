import type {
  AllocationPayload,
  ClientToServerEvents,
  ServerToClientEvents,
  SnapshotPayload,
} from '@cadre/client';
import type { Job } from '@cadre/core';
import type { Engine } from '@cadre/engine';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, until, type TestServer } from '../test-support/test-server.js';
import { attachLive } from './socket-gateway.js';

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

let s: TestServer;
const sockets: ClientSocket[] = [];
beforeAll(async () => {
  s = await startTestServer();
});
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.close();
});
afterAll(async () => {
  await s?.close();
});

/** A connected socket that records everything it receives. */
async function open(url = s.url) {
  const socket: ClientSocket = connect(url, { transports: ['websocket'], reconnection: false });
  sockets.push(socket);
  const got = {
    snapshots: [] as SnapshotPayload[],
    jobs: [] as Job[],
    allocations: [] as AllocationPayload[],
  };
  socket.on('snapshot', (p) => got.snapshots.push(p));
  socket.on('job', (j) => got.jobs.push(j));
  socket.on('allocation', (a) => got.allocations.push(a));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return { socket, got };
}

describe('the socket gateway', () => {
  it('sends a snapshot on connect', async () => {
    const { got } = await open();
    const first = await until(
      () => got.snapshots[0],
      (p) => p !== undefined,
    );
    expect(first!.stats.workers).toBe(2);
    expect(first!.categories.map((c) => c.name)).toEqual(['default', 'email', 'reports', 'images']);
  });

  it('sends snapshots while things change, not one per job', async () => {
    const { got } = await open();
    await until(
      () => got.snapshots.length,
      (n) => n >= 1,
    );
    const before = got.snapshots.length;
    const jobs = await s.client.submit(
      Array.from({ length: 200 }, (_, i) => ({ task: 'echo', input: i })),
    );
    await s.client.get(jobs[199]!.id, { waitMs: 20_000 });
    const latest = await until(
      () => got.snapshots.at(-1)!,
      (p) => p.stats.succeeded >= 200,
    );
    expect(latest.categories.find((c) => c.name === 'default')!.succeeded).toBeGreaterThanOrEqual(
      200,
    );
    // 200 jobs changed state ~600 times; sampling sends a handful of snapshots.
    expect(got.snapshots.length - before).toBeLessThan(60);
    expect(got.jobs).toHaveLength(0);
  });

  it('sends allocation changes', async () => {
    const { got } = await open();
    const job = await s.client.submit({ task: 'sleep', input: { ms: 300 } });
    const allocation = await until(
      () => got.allocations.find((a) => (a.allocation.images ?? 0) > 0),
      (a) => a !== undefined,
    );
    expect(Number.isNaN(Date.parse(allocation!.at))).toBe(false);
    await s.client.get(job.id, { waitMs: 10_000 });
  });

  it('sends job events for watched ids only, until unwatched', async () => {
    const watcher = await open();
    const bystander = await open();
    // Long enough that the watch reaches the server before the job finishes.
    const watched = await s.client.submit({ task: 'sleep', input: { ms: 400 } });
    watcher.socket.emit('watch', watched.id);
    // Ids that are too long, or not strings, are ignored without harm.
    watcher.socket.emit('watch', 'x'.repeat(201));
    (watcher.socket as unknown as Socket).emit('watch', { id: 1 });
    const done = await until(
      () => watcher.got.jobs.find((j) => j.state === 'succeeded'),
      (j) => j !== undefined,
    );
    expect(done).toMatchObject({ id: watched.id, result: { slept: 400 } });
    expect(watcher.got.jobs.every((j) => j.id === watched.id)).toBe(true);
    expect(bystander.got.jobs).toHaveLength(0);

    const long = await s.client.submit({ task: 'sleep', input: { ms: 30_000 } });
    watcher.socket.emit('watch', long.id);
    await until(
      () => watcher.got.jobs.find((j) => j.id === long.id && j.state === 'running'),
      (j) => j !== undefined,
    );
    watcher.socket.emit('unwatch', long.id);
    // Events on one socket arrive in order: once the marker job's event is in,
    // the unwatch was handled before it.
    const marker = async () => {
      const m = await s.client.submit({ task: 'sleep', input: { ms: 300 } });
      watcher.socket.emit('watch', m.id);
      await until(
        () => watcher.got.jobs.find((j) => j.id === m.id && j.state === 'succeeded'),
        (j) => j !== undefined,
      );
    };
    await marker();
    await s.client.cancel(long.id);
    await marker();
    expect(watcher.got.jobs.some((j) => j.id === long.id && j.state === 'cancelled')).toBe(false);
  });
});

describe('the socket gateway while no job is watched', () => {
  /** A second gateway on the test server's engine, which counts its job listeners. */
  let listening = 0;
  let url = '';
  let close = async () => {};
  beforeAll(async () => {
    const engine: Engine = Object.create(s.engine) as Engine;
    engine.on = (event, listener) => {
      const off = s.engine.on(event, listener);
      if (event !== 'job:changed') return off;
      listening += 1;
      return () => {
        listening -= 1;
        off();
      };
    };
    const server = createServer();
    const closeLive = attachLive(server, { engine, snapshotIntervalMs: 200 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = async () => {
      await closeLive();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    };
  });
  afterAll(() => close());

  it('does not listen to job changes unless one is watched', async () => {
    const watcher = await open(url);
    const other = await open(url);
    const jobs = await s.client.submit(
      Array.from({ length: 20 }, (_, i) => ({ task: 'echo', input: i })),
    );
    await s.client.get(jobs[19]!.id, { waitMs: 10_000 });
    expect(listening).toBe(0);

    const watched = await s.client.submit({ task: 'sleep', input: { ms: 30_000 } });
    watcher.socket.emit('watch', watched.id);
    await until(
      () => listening,
      (n) => n === 1,
    );
    await s.client.cancel(watched.id);
    await until(
      () => watcher.got.jobs.find((j) => j.id === watched.id && j.state === 'cancelled'),
      (j) => j !== undefined,
    );
    expect(other.got.jobs).toHaveLength(0);
    // The last watch of a job ends by an unwatch, or by its socket leaving.
    watcher.socket.emit('unwatch', watched.id);
    await until(
      () => listening,
      (n) => n === 0,
    );
    const left = await s.client.submit({ task: 'sleep', input: { ms: 30_000 } });
    other.socket.emit('watch', left.id);
    await until(
      () => listening,
      (n) => n === 1,
    );
    other.socket.close();
    await until(
      () => listening,
      (n) => n === 0,
    );
    await s.client.cancel(left.id);
  });
});

describe('the socket gateway on a quiet server', () => {
  let quiet: TestServer;
  beforeAll(async () => {
    quiet = await startTestServer({ heartbeatRefreshMs: 300 });
  });
  afterAll(async () => {
    await quiet?.close();
  });

  it('still sends the nodes’ newer heartbeats, so their age stays current', async () => {
    const socket: ClientSocket = connect(quiet.url, {
      transports: ['websocket'],
      reconnection: false,
    });
    sockets.push(socket);
    const snapshots: SnapshotPayload[] = [];
    socket.on('snapshot', (p) => snapshots.push(p));
    const beats = () => new Set(snapshots.map((p) => p.nodes[0]?.heartbeatAt));
    const first = await until(
      () => snapshots[0],
      (p) => p !== undefined,
    );
    // Nothing runs: only the heartbeat moves, and is sent again and again.
    await until(beats, (b) => b.size >= 4);
    const later = snapshots.at(-1);
    expect(later!.categories).toEqual(first!.categories);
    expect(later!.nodes[0]).toMatchObject({ name: 'local', state: 'live' });
  });
});
