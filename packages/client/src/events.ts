/**
 * socket.io event names and payloads, declared once for the server, the
 * client and the dashboard (shared/API.md, "Live events").
 */
import type { Allocation, CategoryView, Job, NodeView, ObserverResult, Stats } from '@cadre/core';

export interface SnapshotPayload {
  stats: Stats;
  categories: CategoryView[];
  /** The cluster's nodes, live and dead; in local mode, the one node. */
  nodes: NodeView[];
}

export interface AllocationPayload {
  at: string;
  allocation: Allocation;
}

export interface ServerToClientEvents {
  snapshot: (payload: SnapshotPayload) => void;
  allocation: (payload: AllocationPayload) => void;
  job: (job: Job) => void;
  /** An observer's evaluation (issue 13), sent to every client once, by the node that made it. */
  observer: (result: ObserverResult) => void;
}

export interface ClientToServerEvents {
  watch: (id: string) => void;
  unwatch: (id: string) => void;
}
