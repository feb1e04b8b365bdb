// socket.io against hostile clients: malformed `watch` payloads are ignored
// with the connection still working, oversized frames cost only the sender its
// connection, and a client watching 100,000 ids is held to the gateway's cap
// (1000 by default). Token refusal is covered by app-auth.test.ts.
import type { ClientToServerEvents, ServerToClientEvents } from '@cadre/client';
import type { Job } from '@cadre/core';
import { Socket as ServerSocket } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, until, type TestServer } from './test-support/test-server.js';

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
/** The same socket without the typed events, to send what a typed client cannot. */
type LooseSocket = Socket;

const MAX_WATCHED = 1000;

// Records the largest room count each server-side socket reaches.
const maxRooms = new Map<string, number>();
const realJoin = ServerSocket.prototype.join;
ServerSocket.prototype.join = function join(this: ServerSocket, rooms) {
  const result = realJoin.call(this, rooms);
  maxRooms.set(this.id, Math.max(maxRooms.get(this.id) ?? 0, this.rooms.size));
  return result;
};

let s: TestServer;
const sockets: ClientSocket[] = [];
beforeAll(async () => {
  s = await startTestServer();
});
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.close();
});
afterAll(async () => {
  ServerSocket.prototype.join = realJoin;
  await s?.close();
});

async function open() {
  const socket: ClientSocket = connect(s.url, { transports: ['websocket'], reconnection: false });
  sockets.push(socket);
  const jobs: Job[] = [];
  socket.on('job', (j) => jobs.push(j));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return { socket, loose: socket as unknown as LooseSocket, jobs };
}

/** Watches a fresh short job and waits for its success event: the socket works. */
async function expectWorking(socket: ClientSocket, jobs: Job[]): Promise<void> {
  const job = await s.client.submit({ task: 'sleep', input: { ms: 300 } });
  socket.emit('watch', job.id);
  await until(
    () => jobs.find((j) => j.id === job.id && j.state === 'succeeded'),
    (j) => j !== undefined,
  );
}

describe('hostile socket.io clients', () => {
  it('ignores malformed watch payloads and keeps the connection', async () => {
    const { socket, loose, jobs } = await open();
    const payloads: unknown[][] = [
      [{}],
      [{ id: 'x' }],
      [42],
      [[]],
      [['a', 'b']],
      [null],
      [true],
      [],
      [''],
      ['x'.repeat(201)],
      ['x'.repeat(900_000)],
      ['a', 'b', 'c'],
      [JSON.parse('{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}')],
    ];
    for (const args of payloads) {
      loose.emit('watch', ...args);
      loose.emit('unwatch', ...args);
    }
    loose.emit('nope', { x: 1 });
    await expectWorking(socket, jobs);
    expect(socket.connected).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // Only the one valid id was joined: its own room plus one.
    expect(maxRooms.get(serverIdOf(socket))).toBe(2);
  });

  it('drops a client that sends a frame over socket.io’s 1 MB limit, and only it', async () => {
    const bystander = await open();
    const { socket, loose } = await open();
    const gone = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    loose.emit('watch', 'x'.repeat(1024 * 1024));
    expect(await gone).toBe('transport close');
    await expectWorking(bystander.socket, bystander.jobs);
    expect((await s.request('GET', '/healthz')).status).toBe(200);
  });

  it('holds a client that watches 100,000 ids to the cap', async () => {
    const { socket, jobs } = await open();
    const [within, beyond] = await s.client.submit([
      { task: 'echo', delayMs: 3_600_000 },
      { task: 'echo', delayMs: 3_600_000 },
    ]);
    for (let i = 0; i < 100_000; i++) {
      const id = i === 10 ? within!.id : i === 50_000 ? beyond!.id : `fake-${i}`;
      socket.emit('watch', id);
    }
    await s.client.cancel(within!.id);
    await s.client.cancel(beyond!.id);
    // One slot freed: the marker job's events show that every watch before it was handled.
    socket.emit('unwatch', 'fake-0');
    await expectWorking(socket, jobs);
    expect(jobs.some((j) => j.id === within!.id && j.state === 'cancelled')).toBe(true);
    expect(jobs.some((j) => j.id === beyond!.id)).toBe(false);
    // Its own room plus at most MAX_WATCHED watched ones, however many it asked for.
    expect(maxRooms.get(serverIdOf(socket))).toBe(MAX_WATCHED + 1);
  }, 30_000);
});

/** Server and client share the socket id (socket.io ≥ 3: the client learns it at connect). */
function serverIdOf(socket: ClientSocket): string {
  expect(socket.id).toBeDefined();
  return socket.id!;
}
