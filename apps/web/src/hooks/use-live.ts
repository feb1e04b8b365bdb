/**
 * The live overview: one socket.io connection, the latest snapshot, and the
 * chart history. Driven by pushed events only; the one local timer repeats
 * the latest sample so that charts keep scrolling while the server is quiet.
 */
import {
  connectLive,
  type ConnectionState,
  type LiveClient,
  type SnapshotPayload,
} from '@cadre/client';
import { useEffect, useState } from 'react';
import { History } from '../lib/history.js';

export interface LiveState {
  live: LiveClient | null;
  connection: ConnectionState;
  reason: string | undefined;
  snapshot: SnapshotPayload | null;
  /** Browser time (ms) the snapshot arrived, to run the uptime clock between snapshots. */
  snapshotAt: number;
  history: History;
  /** Bumped whenever `history` changed, for components that draw it. */
  version: number;
}

const QUIET_TICK_MS = 1000;

export function useLive(token: string | null, enabled: boolean): LiveState {
  const [history] = useState(() => new History({ windowMs: 5 * 60_000 }));
  const [live, setLive] = useState<LiveClient | null>(null);
  // Tagged with the token it was reached with, so that a state of the previous
  // connection (say, 'unauthorized') never shows for a newly given token.
  const [conn, setConn] = useState<{
    token: string | null;
    state: ConnectionState;
    reason?: string;
  }>({ token, state: 'connecting' });
  const [snapshot, setSnapshot] = useState<SnapshotPayload | null>(null);
  const [snapshotAt, setSnapshotAt] = useState(0);
  const [version, setVersion] = useState(0);

  useEffect(() => {
    if (!enabled) return;
    let lastSampleAt = 0;
    let stop = () => {};
    // Connect on the next tick: React's StrictMode mounts, unmounts and mounts
    // again in development, and a socket closed while still connecting makes
    // the browser warn.
    const connectTimer = setTimeout(() => {
      const client = connectLive({ token, transports: ['websocket', 'polling'] });
      setLive(client);
      const offConnection = client.onConnection((state, reason) => {
        setConn({ token, state, reason });
      });
      const offSnapshot = client.onSnapshot((payload) => {
        const now = Date.now();
        lastSampleAt = now;
        history.addSnapshot(payload, now);
        setSnapshot(payload);
        setSnapshotAt(now);
        setVersion((v) => v + 1);
      });
      const offAllocation = client.onAllocation((payload) => {
        const now = Date.now();
        lastSampleAt = now;
        history.addAllocation(payload, now);
        setVersion((v) => v + 1);
      });
      stop = () => {
        offConnection();
        offSnapshot();
        offAllocation();
        client.close();
      };
    }, 0);
    const tickTimer = setInterval(() => {
      const now = Date.now();
      if (lastSampleAt === 0 || now - lastSampleAt < QUIET_TICK_MS) return;
      lastSampleAt = now;
      history.tick(now);
      setVersion((v) => v + 1);
    }, QUIET_TICK_MS);
    return () => {
      clearTimeout(connectTimer);
      clearInterval(tickTimer);
      stop();
      setLive(null);
    };
  }, [token, enabled, history]);

  const current = conn.token === token;
  return {
    live,
    connection: current ? conn.state : 'connecting',
    reason: current ? conn.reason : undefined,
    snapshot,
    snapshotAt,
    history,
    version,
  };
}
