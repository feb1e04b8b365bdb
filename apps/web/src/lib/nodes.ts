/**
 * What the nodes panel and the by-node chart read from a node: a stable
 * order, and its allocation as threads per category.
 */
import type { Allocation, NodeView } from '@cadre/client';

/**
 * The leader first, then the other live nodes, then the dead ones, each by
 * name: the server's order may change from one snapshot to the next, and
 * cards that swap places under the pointer are hard to click.
 */
export function sortNodes(nodes: readonly NodeView[]): NodeView[] {
  const rank = (n: NodeView) => (n.leader ? 0 : n.state === 'live' ? 1 : 2);
  return [...nodes].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
}

/** Threads allocated on a node, all categories together. */
export function allocatedThreads(allocation: Allocation): number {
  let total = 0;
  for (const slots of Object.values(allocation)) total += slots > 0 ? slots : 0;
  return total;
}

export interface Share {
  category: string;
  slots: number;
}

/**
 * The categories holding threads, in `order` (the dashboard's category order,
 * which fixes their colours), then any category `order` does not know, by name.
 */
export function allocationShares(allocation: Allocation, order: readonly string[]): Share[] {
  const position = (name: string) => {
    const i = order.indexOf(name);
    return i === -1 ? order.length : i;
  };
  return Object.entries(allocation)
    .filter(([, slots]) => slots > 0)
    .map(([category, slots]) => ({ category, slots }))
    .sort(
      (a, b) => position(a.category) - position(b.category) || a.category.localeCompare(b.category),
    );
}
