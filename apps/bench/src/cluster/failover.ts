/**
 * Failover time: kill -9 the leader of a busy cluster and read
 * `GET /api/nodes` on a survivor until another node leads and has published
 * a new placement. The target is one lease (the dead leader's lease must
 * expire) plus one balance interval (the new leader's first placement).
 */
import type { Allocation, NodeView } from '@cadre/core';
import { fetchNodes, type ClusterNode } from './cluster-nodes.js';
import { pollUntil } from './poll-until.js';

/** What one answer of `GET /api/nodes`, read after `killed` died, tells. */
export interface FailoverView {
  /** A live node other than the killed one holds the lead. */
  newLeader: boolean;
  /** Some node's slots differ from `before`'s: a leader has published a new placement. */
  newAllocation: boolean;
}

export function readFailover(
  before: readonly NodeView[],
  now: readonly NodeView[],
  killed: string,
): FailoverView {
  const newLeader = now.some((v) => v.leader && v.state === 'live' && v.name !== killed);
  const was = placement(before);
  const is = placement(now);
  const names = new Set([...was.keys(), ...is.keys()]);
  const newAllocation = [...names].some((name) => (was.get(name) ?? '') !== (is.get(name) ?? ''));
  return { newLeader, newAllocation };
}

/** Node name → its slots as a canonical string (categories sorted, empty ones left out). */
function placement(view: readonly NodeView[]): Map<string, string> {
  return new Map(view.map((v) => [v.name, canonical(v.allocation)]));
}

function canonical(allocation: Allocation): string {
  return Object.entries(allocation)
    .filter(([, slots]) => slots > 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([category, slots]) => `${category}=${slots}`)
    .join(',');
}

export interface FailoverResult {
  killed: string;
  /** ms from the kill until a survivor led; null if not seen before the limit. */
  leaderMs: number | null;
  /** ms from the kill until a survivor led and a new placement was seen; null if not seen. */
  allocationMs: number | null;
}

/**
 * The nodes must be busy (a backlog in the queue), so that every node has
 * slots and the dead leader's must move. Reads a survivor every 10 ms.
 */
export async function measureFailover(
  nodes: readonly ClusterNode[],
  limitMs: number,
): Promise<FailoverResult> {
  const first = nodes[0]!;
  await pollUntil(
    15_000,
    async () => {
      const view = await fetchNodes(first.url);
      return view.every((v) => v.state !== 'live' || canonical(v.allocation) !== '');
    },
    50,
  ).catch(() => {
    throw new Error('not every node was given slots within 15 s: no placement to see change');
  });
  // A lease may lapse for a moment under load (another node then takes it): wait to see a leader.
  let view = await fetchNodes(first.url);
  await pollUntil(
    5_000,
    async () => (view = await fetchNodes(first.url)).some((v) => v.leader && v.state === 'live'),
    20,
  ).catch(() => undefined);
  const leader = nodes.find((n) => view.some((v) => v.leader && v.name === n.name));
  const survivor = nodes.find((n) => n !== leader);
  if (!leader || !survivor) throw new Error('no leader, or no other node, to fail over to');
  const before = await fetchNodes(survivor.url);

  const t0 = performance.now();
  process.kill(leader.pid, 'SIGKILL');
  let leaderMs: number | null = null;
  let allocationMs: number | null = null;
  while (allocationMs === null && performance.now() - t0 < limitMs) {
    const seen = readFailover(before, await fetchNodes(survivor.url), leader.name);
    const at = performance.now() - t0;
    if (seen.newLeader) leaderMs ??= at;
    if (seen.newLeader && seen.newAllocation) allocationMs = at;
    else await new Promise((r) => setTimeout(r, 10));
  }
  return { killed: leader.name, leaderMs, allocationMs };
}
