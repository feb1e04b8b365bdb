/**
 * A typed wrapper over cadre's socket.io events (shared/API.md, "Live events").
 */
import type { Job, ObserverResult } from '@cadre/core';
import { io, type Socket } from 'socket.io-client';
import type {
  AllocationPayload,
  ClientToServerEvents,
  ServerToClientEvents,
  SnapshotPayload,
} from './events.js';

export type CadreSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export type ConnectionState =
  'connecting' | 'connected' | 'reconnecting' | 'unauthorized' | 'closed';

export interface LiveOptions {
  /** '' or undefined = same origin. */
  url?: string;
  token?: string | null;
  /** @defaultValue ['websocket'] */
  transports?: ('websocket' | 'polling')[];
}

export interface LiveClient {
  readonly socket: CadreSocket;
  onSnapshot(listener: (payload: SnapshotPayload) => void): () => void;
  onAllocation(listener: (payload: AllocationPayload) => void): () => void;
  /** Each observer's result as it is evaluated (issue 13). */
  onObserver(listener: (result: ObserverResult) => void): () => void;
  onConnection(listener: (state: ConnectionState, reason?: string) => void): () => void;
  /** Receives every change of job `id` until the returned function is called. */
  watch(id: string, listener: (job: Job) => void): () => void;
  close(): void;
}

export function connectLive(options: LiveOptions = {}): LiveClient {
  const opts = {
    transports: options.transports ?? ['websocket'],
    auth: options.token ? { token: options.token } : {},
    reconnectionDelayMax: 2000,
  };
  const socket: CadreSocket = options.url ? io(options.url, opts) : io(opts);
  const watchers = new Map<string, Set<(job: Job) => void>>();

  socket.on('job', (job) => {
    for (const listener of watchers.get(job.id) ?? []) listener(job);
  });
  // Watches are per connection on the server: renew them after a reconnect.
  socket.on('connect', () => {
    for (const id of watchers.keys()) socket.emit('watch', id);
  });

  const subscribe = <E extends keyof ServerToClientEvents>(
    event: E,
    listener: ServerToClientEvents[E],
  ) => {
    // socket.io's typed overloads do not narrow through a generic event name.
    const s = socket as unknown as {
      on(e: string, l: unknown): void;
      off(e: string, l: unknown): void;
    };
    s.on(event, listener);
    return () => s.off(event, listener);
  };

  return {
    socket,
    onSnapshot: (listener) => subscribe('snapshot', listener),
    onAllocation: (listener) => subscribe('allocation', listener),
    onObserver: (listener) => subscribe('observer', listener),
    onConnection(listener) {
      const connected = () => listener('connected');
      const disconnected = (reason: string) =>
        listener(reason === 'io client disconnect' ? 'closed' : 'reconnecting', reason);
      const failed = (err: Error) =>
        listener(err.message === 'unauthorized' ? 'unauthorized' : 'reconnecting', err.message);
      socket.on('connect', connected);
      socket.on('disconnect', disconnected);
      socket.on('connect_error', failed);
      if (socket.connected) listener('connected');
      return () => {
        socket.off('connect', connected);
        socket.off('disconnect', disconnected);
        socket.off('connect_error', failed);
      };
    },
    watch(id, listener) {
      let set = watchers.get(id);
      if (!set) {
        set = new Set();
        watchers.set(id, set);
        socket.emit('watch', id);
      }
      set.add(listener);
      return () => {
        const current = watchers.get(id);
        if (!current) return;
        current.delete(listener);
        if (current.size === 0) {
          watchers.delete(id);
          socket.emit('unwatch', id);
        }
      };
    },
    close: () => socket.close(),
  };
}
