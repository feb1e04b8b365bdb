/**
 * Live events in cluster mode, with real node processes (`node
 * apps/server/dist/main.js`) on a real PostgreSQL: a socket connected to one
 * node gets the events of a job another node runs, every node's snapshot
 * describes the whole cluster, a job nobody watches puts nothing on the
 * nodes' bus, and a watch announced while a node gathers the cluster's
 * watches survives that gathering.
 *
 * One cluster for the file, on this file's own database: node-1 and node-2
 * plain, node-3 the only one offering the tag `gpu`, so that the category
 * `gpu` (task `render`, chaos-config/cluster.config.json) runs there alone.
 * The test also listens to the nodes' bus itself (SocketBus), to see what
 * crosses nodes and to know when a watch has been announced to them, and
 * once joins it as a node that answers late (BusPeer).
 */
import {
  connectLive,
  isFinished,
  type Job,
  type LiveClient,
  type NodeView,
  type SnapshotPayload,
} from '@cadre/client';
import { createTestDatabase, type TestDatabase } from '@cadre/postgres/test-support';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chaosConfigPath } from '../server-process.js';
import { Cluster, type NodeSpec } from './cluster-nodes.js';
import { BusPeer } from './test-support/bus-peer.js';
import { Inbox } from './test-support/inbox.js';
import { BusMessageType, SocketBus, type BusMessage } from './test-support/socket-bus.js';

/** Distinct thread counts, so that a sum tells itself apart from any one node's. */
const NODES: readonly NodeSpec[] = [
  { name: 'node-1', workers: 2 },
  { name: 'node-2', workers: 3 },
  { name: 'node-3', tags: ['gpu'], workers: 1 },
];

/** Generous: the machine may be loaded; every wait ends as soon as its event comes. */
const WAIT_MS = 30_000;

interface LiveSocket {
  live: LiveClient;
  snapshots: Inbox<SnapshotPayload>;
  /** Every `job` event the socket got, watched or not. */
  jobs: Inbox<Job>;
}

let db: TestDatabase;
let cluster: Cluster;
let schema: string;
let sockets: LiveSocket[] = [];
let buses: SocketBus[] = [];
let peers: BusPeer[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  schema = db.schemaName();
  cluster = new Cluster({
    database: { url: db.url, schema },
    config: chaosConfigPath('cluster.config.json'),
    nodes: NODES,
  });
  await cluster.start();
  await cluster.formed();
}, 60_000);
afterAll(async () => {
  await cluster?.killAll();
  await db?.drop();
});
afterEach(async () => {
  for (const s of sockets) s.live.close();
  sockets = [];
  await Promise.all(peers.map((p) => p.leave()));
  peers = [];
  await Promise.all(buses.map((b) => b.close()));
  buses = [];
});

function connect(node: string): LiveSocket {
  const live = connectLive({ url: cluster.node(node).url! });
  const s: LiveSocket = { live, snapshots: new Inbox(), jobs: new Inbox() };
  live.onSnapshot((payload) => s.snapshots.push(payload));
  live.socket.on('job', (job) => s.jobs.push(job));
  sockets.push(s);
  return s;
}

/** The node sends a snapshot to each new connection: once it came, the node knows the socket. */
async function connected(...list: LiveSocket[]): Promise<void> {
  await Promise.all(list.map((s) => s.snapshots.until(() => true, WAIT_MS, 'a first snapshot')));
}

async function listenBus(): Promise<SocketBus> {
  const bus = await SocketBus.listen(db.url, schema);
  buses.push(bus);
  return bus;
}

function announcesWatch(message: BusMessage, id: string): boolean {
  return (
    message.type === BusMessageType.SERVER_SIDE_EMIT &&
    JSON.stringify(message.data?.packet) === JSON.stringify(['watch', id])
  );
}

/** A node asking the others for the jobs their sockets watch (`RemoteWatches`, every 10 s). */
function asksForWatches(message: BusMessage): boolean {
  return (
    message.type === BusMessageType.SERVER_SIDE_EMIT &&
    message.data?.requestId !== undefined &&
    JSON.stringify(message.data.packet) === JSON.stringify(['watched'])
  );
}

/**
 * A `render` job submitted through node-2 and watched by `watcher`, which
 * node-3 starts only once the watch has been announced on the bus: `gpu` is
 * paused on node-3 meanwhile (a node's own settings change as its PATCH
 * returns). So the watch is known across nodes before the job runs, however
 * slow the machine. `beforeRun` runs between the two.
 *
 * The pause also reaches the leader, which then takes gpu's slot from
 * node-3: it is resumed only once that allocation has landed. Resumed
 * before, node-3 could start the job on its old slot and hand it back (as
 * queued) when the allocation made for the pause arrived.
 */
async function renderWatched(
  watcher: LiveSocket,
  bus: SocketBus,
  key: string,
  beforeRun?: () => Promise<void>,
): Promise<Job> {
  const gpuNode = cluster.client('node-3');
  await gpuNode.patchCategory('gpu', { paused: true });
  try {
    await noSlotFor('gpu', 'node-3');
    const job = await cluster.client('node-2').submit({ task: 'render', input: { ms: 200 }, key });
    // The events are read from `watcher.jobs`, which also shows any unexpected one.
    watcher.live.watch(job.id, () => undefined);
    await bus.inbox.until(
      (m) => announcesWatch(m, job.id),
      WAIT_MS,
      `the watch of ${job.id} announced on the bus`,
    );
    await beforeRun?.();
    return job;
  } finally {
    await gpuNode.patchCategory('gpu', { paused: false });
  }
}

/**
 * Waits until `node` runs with no slot of `category`: the leader has
 * published it, and a tick of the node's began after that (its heartbeat
 * moved on) and ended (it moved on again), reading the allocation on the way.
 */
async function noSlotFor(category: string, node: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  const what = `${node} running with no slot of ${category}`;
  const read = async (): Promise<NodeView> =>
    (await cluster.view(node)).find((v) => v.name === node)!;
  let view = await read();
  while ((view.allocation[category] ?? 0) !== 0) view = await later(read, deadline, what);
  for (let beats = 0; beats < 2;) {
    const next = await later(read, deadline, what);
    if (next.heartbeatAt !== view.heartbeatAt) beats += 1;
    view = next;
  }
}

/** `read` again after a short wait, unless `deadline` has passed. */
async function later<T>(read: () => Promise<T>, deadline: number, what: string): Promise<T> {
  if (Date.now() > deadline) throw new Error(`${what}: not within ${WAIT_MS} ms`);
  await new Promise((resolve) => setTimeout(resolve, 50));
  return read();
}

/** The job once finished, read through `via`'s HTTP API. */
async function finished(id: string, via: string): Promise<Job> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const job = await cluster.client(via).get(id, { waitMs: 5000 });
    if (isFinished(job.state)) return job;
    if (Date.now() > deadline)
      throw new Error(`${id} not finished within ${WAIT_MS} ms: ${job.state}`);
  }
}

describe('live events across the nodes of a cluster', () => {
  it('a socket on node-1 gets the events of a job submitted through node-2 and run on node-3', async () => {
    const bus = await listenBus();
    const watcher = connect('node-1');
    await connected(watcher);
    const job = await renderWatched(watcher, bus, 'crosses-nodes');

    const last = await watcher.jobs.until(
      (j) => j.id === job.id && isFinished(j.state),
      WAIT_MS,
      `${job.id} finished, as node-1's socket hears`,
    );
    expect(last.state).toBe('succeeded');
    expect(watcher.jobs.items.map((j) => [j.id, j.state, j.node])).toEqual([
      [job.id, 'running', 'node-3'],
      [job.id, 'succeeded', 'node-3'],
    ]);
    // The stamp task names the node that ran it.
    expect((last.result as { node?: unknown } | null)?.node).toBe('node-3');
  });

  it('the snapshot on every node lists the three nodes live and counts all their threads', async () => {
    const byNode = NODES.map((spec) => ({ spec, socket: connect(spec.name) }));
    const names = NODES.map((n) => n.name);
    const workers = NODES.reduce((sum, n) => sum + (n.workers ?? 2), 0);
    for (const { spec, socket } of byNode) {
      // Stats count the nodes the balancer last read, the node list is read
      // anew: right after the cluster formed they may differ for an interval.
      const snapshot = await socket.snapshots.until(
        (p) =>
          names.every((name) => p.nodes.some((v) => v.name === name && v.state === 'live')) &&
          p.stats.nodes === NODES.length,
        WAIT_MS,
        `a snapshot on ${spec.name} with every node live`,
      );
      expect(snapshot.stats.workers, spec.name).toBe(workers);
      expect(
        [...snapshot.nodes]
          .sort((a, b) => a.name.localeCompare(b.name))
          .map((v) => [v.name, v.state, v.workers, v.tags]),
        spec.name,
      ).toEqual(NODES.map((n) => [n.name, 'live', n.workers, n.tags ?? []]));
      expect(
        snapshot.nodes.filter((v) => v.leader),
        spec.name,
      ).toHaveLength(1);
      const categories = await cluster.client(spec.name).categories();
      expect(snapshot.categories.map((c) => c.name).sort(), spec.name).toEqual(
        categories.map((c) => c.name).sort(),
      );
    }
  });

  it('a job nobody watches crosses no node: nothing about it on the bus, no socket gets its events', async () => {
    const bus = await listenBus();
    // On the node it is submitted through, and on another one.
    const bystander = connect('node-2');
    const watcher = connect('node-1');
    await connected(bystander, watcher);

    const unwatched = await cluster
      .client('node-2')
      .submit({ task: 'render', input: { ms: 50 }, key: 'nobody-watches' });
    const ran = await finished(unwatched.id, 'node-2');
    expect([ran.state, ran.node]).toEqual(['succeeded', 'node-3']);

    // Then a watched job on the same node: node-3 publishes in order, so once
    // this job's last event is on the bus, any the first job had sent is too.
    const fence = await renderWatched(watcher, bus, 'fence');
    await bus.inbox.until(
      (m) =>
        m.type === BusMessageType.BROADCAST &&
        m.raw.includes(fence.id) &&
        m.raw.includes('"state":"succeeded"'),
      WAIT_MS,
      `the success of the watched ${fence.id} on the bus`,
    );
    await watcher.jobs.until(
      (j) => j.id === fence.id && j.state === 'succeeded',
      WAIT_MS,
      `${fence.id} succeeded, as node-1's socket hears`,
    );

    const mentions = bus.messages.filter((m) => m.raw.includes(unwatched.id));
    expect(mentions, 'messages about the unwatched job').toEqual([]);
    // A broadcast too large for NOTIFY travels as an attachment this check
    // cannot read: it fails here too rather than hide one.
    const broadcasts = bus.messages.filter((m) => m.type === BusMessageType.BROADCAST);
    expect(broadcasts.length).toBeGreaterThan(0);
    for (const m of broadcasts) expect(m.raw, 'a broadcast on the bus').toContain(fence.id);
    expect(bystander.jobs.items).toEqual([]);
    expect(watcher.jobs.items.map((j) => j.id)).toEqual([fence.id, fence.id]);
  });

  it('a watch announced while a node gathers the watches of the cluster is kept by that node', async () => {
    const bus = await listenBus();
    const watcher = connect('node-1');
    await connected(watcher);
    // node-3's adapter, known by the events of a job node-3 runs.
    const first = await renderWatched(watcher, bus, 'whose-adapter');
    const fromNode3 = await bus.inbox.until(
      (m) => m.type === BusMessageType.BROADCAST && m.raw.includes(first.id),
      WAIT_MS,
      `an event of ${first.id} from node-3 on the bus`,
    );
    await watcher.jobs.until(
      (j) => j.id === first.id && j.state === 'succeeded',
      WAIT_MS,
      `${first.id} succeeded`,
    );

    // A fourth node on the bus that answers node-3's next gathering late,
    // once node-3 counts it (node-3's heartbeat answering its arrival).
    let counted = false;
    const peer = await BusPeer.join(
      bus,
      (m) => counted && m.uid === fromNode3.uid && asksForWatches(m),
    );
    peers.push(peer);
    const joined = bus.messages.length;
    await bus.inbox.until(
      (m) =>
        m.type === BusMessageType.HEARTBEAT &&
        m.uid === fromNode3.uid &&
        bus.messages.indexOf(m) >= joined,
      WAIT_MS,
      'node-3 counting the new node',
    );
    counted = true;
    const ask = await peer.held.until(
      () => true,
      WAIT_MS,
      "node-3 gathering the cluster's watches",
    );
    const askedAt = Date.now();
    const requestId = ask.data!.requestId!;
    // node-1 and node-2 answer at once: node-1 watches nothing yet.
    await bus.inbox.until(
      () =>
        bus.messages.filter(
          (m) =>
            m.type === BusMessageType.SERVER_SIDE_EMIT_RESPONSE &&
            m.data?.requestId === requestId &&
            m.uid !== peer.uid,
        ).length >= 2,
      WAIT_MS,
      'node-1 and node-2 answering node-3',
    );

    // node-1 watches a job node-3 runs while node-3 still waits for the last
    // answer, which comes before the job runs.
    const job = await renderWatched(watcher, bus, 'while-gathering', async () => {
      const late = Date.now() - askedAt;
      // Past the adapter's 5 s, node-3 gives up waiting and keeps what it knew:
      // this test would then show nothing.
      if (late > 4000) throw new Error(`too slow to answer within node-3's wait (${late} ms)`);
      await peer.answer(requestId);
      await bus.inbox.until(
        (m) => m.uid === peer.uid && m.data?.requestId === requestId,
        WAIT_MS,
        'the late answer on the bus',
      );
    });
    const last = await watcher.jobs.until(
      (j) => j.id === job.id && isFinished(j.state),
      WAIT_MS,
      `${job.id} finished, as node-1's socket hears`,
    );
    expect([last.state, last.node]).toEqual(['succeeded', 'node-3']);
  });
});
