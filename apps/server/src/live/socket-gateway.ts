/**
 * The socket.io gateway (shared/API.md, "Live events").
 *
 * Events are sampled for the UI: a one-second tick builds a `snapshot` and
 * sends it when it differs from the last one sent, never one message per job.
 * Per-job `job` events go only to sockets that `watch` that id, via a room
 * per id; while no job is watched, the gateway does not even listen to job
 * changes, so a job costs it nothing.
 *
 * In a cluster, each node's socket server is joined to the others' by an
 * adapter (socket.io's PostgreSQL adapter): a job event reaches the watchers
 * of that job on every node. Snapshots and allocations stay local: every
 * node builds the same cluster-wide snapshot itself. A job event crosses
 * nodes only when some node watches that job (`RemoteWatches`), so the
 * database carries one message per watched change, not one per job.
 * An observer's result (`observer`) is made by the leader alone and sent to
 * every node's clients.
 */
import type { Server as HttpServer } from 'node:http';
import type { ClientToServerEvents, ServerToClientEvents, SnapshotPayload } from '@cadre/client';
import { Errors, type Job } from '@cadre/core';
import type { Engine } from '@cadre/engine';
import { Server } from 'socket.io';
import type { Access } from '../http/access.js';
import { tokenAccess } from '../http/auth.js';

export interface LiveLogger {
  warn(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export interface LiveOptions {
  engine: Engine;
  /** When set, connections need `auth: { token }`. */
  token?: string | null;
  /** A token whose sockets may only send the events EVENT_ACCESS marks 'read'. */
  readToken?: string | null;
  logger?: LiveLogger;
  /** Origin allowed to connect cross-origin; null = same origin only. */
  corsOrigin?: string | null;
  /** @defaultValue 1000 */
  snapshotIntervalMs?: number;
  /** Ids one socket may watch at once; more are ignored. @defaultValue 1000 */
  maxWatched?: number;
  /** Joins this node's socket server to the cluster's (an `io.adapter` factory). */
  adapter?: Parameters<Server['adapter']>[0];
  /**
   * A change of the nodes' heartbeats alone is sent at most this often: the
   * dashboard shows each heartbeat's age, which would otherwise grow on a
   * quiet cluster while its nodes are live. @defaultValue 5000
   */
  heartbeatRefreshMs?: number;
}

/** Closes the socket server and stops listening to the engine. */
export type CloseLive = () => Promise<void>;

const MAX_ID_LENGTH = 200;

interface SocketData {
  watched: Set<string>;
  access: Access;
}

/**
 * What each event a client may send needs. Every client event must be listed
 * (the type says so); a read-only socket's other events are dropped, and
 * answered `{ error: { code: 'ERR_READ_ONLY' } }` when they carry an ack.
 */
export const EVENT_ACCESS: Record<keyof ClientToServerEvents, Access> = {
  watch: 'read',
  unwatch: 'read',
};

/** What one node's socket server tells the others' (through the adapter). */
interface InterNodeEvents {
  /** A socket there started watching a job. */
  watch: (id: string) => void;
  /** Asks for the jobs watched there. */
  watched: (reply: (ids: string[]) => void) => void;
}

type LiveServer = Server<ClientToServerEvents, ServerToClientEvents, InterNodeEvents, SocketData>;

export function attachLive(httpServer: HttpServer, options: LiveOptions): CloseLive {
  const { engine } = options;
  const token = options.token ?? null;
  const maxWatched = options.maxWatched ?? 1000;
  const io: LiveServer = new Server(httpServer, {
    serveClient: false,
    ...(options.corsOrigin ? { cors: { origin: options.corsOrigin } } : {}),
  });

  if (options.adapter) io.adapter(options.adapter);

  const remote = options.adapter ? new RemoteWatches(io, () => listenWhileWatched()) : null;

  // Job events are listened to only while some socket, here or on another
  // node, watches a job: each job change is a call otherwise.
  let jobRooms = 0;
  let offJob: (() => void) | null = null;
  let closing = false;
  const listenWhileWatched = () => {
    const wanted = !closing && (jobRooms > 0 || (remote?.size ?? 0) > 0);
    if (wanted && offJob === null) {
      offJob = engine.on('job:changed', (job: Job) => {
        const r = room(job.id);
        if (io.sockets.adapter.rooms.has(r) || remote?.has(job.id)) io.to(r).emit('job', job);
      });
    } else if (!wanted && offJob !== null) {
      offJob();
      offJob = null;
    }
  };
  // A room lives while a socket is in it (socket.io deletes it with its last
  // socket, left or disconnected).
  io.sockets.adapter.on('create-room', (r: string) => {
    if (!isJobRoom(r)) return;
    jobRooms += 1;
    listenWhileWatched();
  });
  io.sockets.adapter.on('delete-room', (r: string) => {
    if (!isJobRoom(r)) return;
    jobRooms -= 1;
    listenWhileWatched();
  });

  if (token !== null) {
    const tokens = { write: token, read: options.readToken ?? null };
    io.use((socket, next) => {
      const given = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
      const access = tokenAccess(tokens, given);
      if (access !== null) {
        socket.data.access = access;
        next();
        return;
      }
      options.logger?.debug({ address: socket.handshake.address }, 'socket refused: wrong token');
      next(new Error('unauthorized'));
    });
  }

  const snapshot = async (): Promise<SnapshotPayload> => {
    const [stats, categories, nodes] = await Promise.all([
      engine.stats(),
      engine.categories(),
      engine.nodes(),
    ]);
    return { stats, categories, nodes };
  };
  const report = (err: unknown) => options.logger?.warn({ err }, 'could not build a snapshot');

  io.on('connection', (socket) => {
    socket.data.watched = new Set();
    socket.data.access ??= 'write';
    socket.use(([event, ...args], next) => {
      const needs = Object.hasOwn(EVENT_ACCESS, event)
        ? EVENT_ACCESS[event as keyof ClientToServerEvents]
        : 'write';
      if (socket.data.access === 'write' || needs === 'read') {
        next();
        return;
      }
      const ack = args.at(-1);
      if (typeof ack === 'function') {
        const { code, message } = Errors.readOnly(`the event '${String(event)}'`);
        ack({ error: { code, message } });
      }
    });
    snapshot().then((payload) => socket.emit('snapshot', payload), report);
    socket.on('watch', (id: unknown) => {
      if (!validId(id)) return;
      const watched = socket.data.watched;
      if (watched.has(id) || watched.size >= maxWatched) return;
      watched.add(id);
      void socket.join(room(id));
      remote?.announce(id);
    });
    socket.on('unwatch', (id: unknown) => {
      if (!validId(id) || !socket.data.watched.delete(id)) return;
      void socket.leave(room(id));
    });
  });

  // What would be sent is compared with what was: this catches every change
  // the dashboard shows (job counts, a category paused, throughput decaying
  // after the last job) and costs nothing per job.
  let lastSent = '';
  const offAllocation = engine.on('allocation:changed', (at, allocation) => {
    io.local.emit('allocation', { at, allocation });
  });
  // Only the leader evaluates observers: its result goes to every node's
  // clients through the adapter (in local mode, to this node's).
  const offObserver = engine.on('observer:result', (result) => {
    io.emit('observer', result);
  });
  let lastBeats = '';
  let lastSentAt = 0;
  const heartbeatRefreshMs = options.heartbeatRefreshMs ?? 5000;
  let building = false;
  const send = async () => {
    const payload = await snapshot();
    const fingerprint = JSON.stringify({
      ...payload,
      stats: { ...payload.stats, uptimeMs: 0 },
      nodes: payload.nodes.map((n) => ({ ...n, heartbeatAt: '' })),
    });
    const beats = payload.nodes.map((n) => n.heartbeatAt).join();
    const beatsDue = beats !== lastBeats && Date.now() - lastSentAt >= heartbeatRefreshMs;
    if (fingerprint === lastSent && !beatsDue) return;
    lastSent = fingerprint;
    lastBeats = beats;
    lastSentAt = Date.now();
    io.local.emit('snapshot', payload);
  };
  const timer = setInterval(() => {
    if (io.engine.clientsCount === 0 || building) return;
    building = true;
    send()
      .catch(report)
      .finally(() => (building = false));
  }, options.snapshotIntervalMs ?? 1000);
  timer.unref();

  let closed: Promise<void> | null = null;
  return () => {
    closing = true;
    closed ??= (async () => {
      clearInterval(timer);
      remote?.close();
      listenWhileWatched();
      offAllocation();
      offObserver();
      io.disconnectSockets(true);
      // Leaves the cluster's bus: frees the adapter's LISTEN connection.
      if (options.adapter) await io.sockets.adapter.close();
      // Not io.close(): that would also close the http server, which the caller owns.
      io.engine.close();
    })();
    return closed;
  };
}

function validId(id: unknown): id is string {
  return typeof id === 'string' && id.length > 0 && id.length <= MAX_ID_LENGTH;
}

const JOB_ROOM = 'job:';

function room(id: string): string {
  return JOB_ROOM + id;
}

function isJobRoom(r: string): boolean {
  return r.startsWith(JOB_ROOM);
}

const REMOTE_REFRESH_MS = 10_000;

/**
 * The jobs watched on the cluster's other nodes. A node announces each new
 * watch at once; the whole set is asked for again every 10 s, which also
 * forgets the watches of sockets gone (a stale entry costs one broadcast).
 *
 * An answer may predate a watch announced while the round is under way (the
 * node answered, then its socket watched): such an announcement outlives the
 * round, else the job's events would stop crossing until the next one.
 */
class RemoteWatches {
  readonly #io: LiveServer;
  /** Called when the set of watched ids may have changed. */
  readonly #onChange: () => void;
  /** Each watched id, with the round in which it was last announced or answered. */
  #ids = new Map<string, number>();
  #round = 0;
  readonly #timer: NodeJS.Timeout;

  constructor(io: LiveServer, onChange: () => void) {
    this.#io = io;
    this.#onChange = onChange;
    io.on('watch', (id: string) => {
      if (!validId(id)) return;
      this.#ids.set(id, this.#round);
      this.#onChange();
    });
    io.on('watched', (reply: (ids: string[]) => void) => reply(this.#localIds()));
    this.#timer = setInterval(() => this.#refresh(), REMOTE_REFRESH_MS);
    this.#timer.unref();
    this.#refresh();
  }

  has(id: string): boolean {
    return this.#ids.has(id);
  }

  get size(): number {
    return this.#ids.size;
  }

  announce(id: string): void {
    this.#io.serverSideEmit('watch', id);
  }

  close(): void {
    clearInterval(this.#timer);
  }

  #refresh(): void {
    const round = ++this.#round;
    this.#io.serverSideEmitWithAck('watched').then(
      (replies) => {
        const ids = new Map([...this.#ids].filter(([, heard]) => heard >= round));
        for (const id of replies.flat()) if (validId(id)) ids.set(id, round);
        this.#ids = ids;
        this.#onChange();
      },
      // A node did not answer in time: the entries stay until the next round.
      () => {},
    );
  }

  #localIds(): string[] {
    const ids: string[] = [];
    for (const r of this.#io.sockets.adapter.rooms.keys()) {
      if (isJobRoom(r)) ids.push(r.slice(JOB_ROOM.length));
    }
    return ids;
  }
}
