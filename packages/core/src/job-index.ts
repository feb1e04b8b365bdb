/**
 * Job ids by (category, state), each set ordered by id, for listing. Ids sort
 * by creation time, so a page is "the newest `limit` ids below the cursor".
 *
 * One B+ tree per (category, state): a move touches two trees, O(log n) each,
 * and nothing else, because it sits on the hot path (every job moves
 * queued → running → succeeded). Queries that leave a filter out merge the
 * matching trees newest first, which costs O(k log n + limit log k) for k
 * trees: cheap next to keeping extra per-state and per-category trees up to
 * date on every move.
 */
import * as sortedBtree from 'sorted-btree';
import { JOB_STATES, type JobState } from './job.js';

/** What the index uses of sorted-btree's `BTree<string, undefined>`. */
interface IdSet {
  readonly size: number;
  /** `false` when `id` was there already (and `overwrite` is false). */
  set(id: string, value: undefined, overwrite: boolean): boolean;
  delete(id: string): boolean;
  entriesReversed(
    highest: string | undefined,
    reused: unknown[],
    skipHighest: boolean,
  ): IterableIterator<[string, undefined]>;
  entries(lowest: string | undefined, reused: unknown[]): IterableIterator<[string, undefined]>;
}

/**
 * The inside of a sorted-btree node, which `rankBelow` reads: a leaf's sorted
 * keys; an internal node's children, the largest key of each (`keys`), and
 * its cached size. Version 2 keeps these; `rankBelow` checks that it does.
 */
interface TreeNode {
  keys: string[];
  children?: TreeNode[];
  size(): number;
}
type IdSetClass = new (entries: undefined, compare: (a: string, b: string) => number) => IdSet;

/**
 * sorted-btree is CommonJS (`exports.default = BTree`), and what an ES import
 * sees of it differs by tool: Node gives `module.exports` as the default,
 * vitest and bundlers the class itself. Unwrap `default` until the class.
 */
function btreeClass(): IdSetClass {
  let m: unknown = sortedBtree;
  for (let depth = 0; depth < 3 && typeof m !== 'function'; depth++) {
    m = (m as { default?: unknown } | undefined)?.default;
  }
  if (typeof m !== 'function') throw new Error('sorted-btree: no BTree class found');
  return m as IdSetClass;
}
// Pure: bundles that import core only for its vocabulary (the dashboard) drop sorted-btree.
const BTree = /* @__PURE__ */ btreeClass();

/** Plain code-unit order, which is the order of ids (and faster than the default comparator). */
const compareIds = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const STATE_SLOT = Object.fromEntries(JOB_STATES.map((s, i) => [s, i])) as Record<JobState, number>;

export interface IndexQuery {
  category?: string;
  state?: JobState;
  /** Only ids strictly below this one (the last id of the previous page). */
  cursor?: string;
  /** At most this many ids. */
  limit: number;
  /** Only the ids it takes (a filter the index does not hold, such as a search). */
  accept?: (id: string) => boolean;
}

export interface IndexPage {
  /** Newest first. */
  ids: string[];
  /** The last id of this page when more match below it, else `null`. */
  nextCursor: string | null;
}

export class JobIndex {
  /** Per category, one set per state, in JOB_STATES order. */
  readonly #sets = new Map<string, IdSet[]>();
  #size = 0;

  /** Ids indexed, in all. */
  get size(): number {
    return this.#size;
  }

  /** Indexes a new job. Throws if `id` is already indexed there. */
  add(id: string, category: string, state: JobState): void {
    if (!this.#set(category, state).set(id, undefined, false))
      outOfStep(id, category, state, 'already in');
    this.#size++;
  }

  /** A job changed state. Throws if `id` was not indexed in `from`, or already is in `to`. */
  move(id: string, category: string, from: JobState, to: JobState): void {
    if (from === to) return;
    const sets = this.#category(category);
    if (!sets[STATE_SLOT[from]]!.delete(id)) outOfStep(id, category, from, 'not in');
    if (!sets[STATE_SLOT[to]]!.set(id, undefined, false)) outOfStep(id, category, to, 'already in');
  }

  /** Forgets a job. Throws if `id` was not indexed in `state`. */
  remove(id: string, category: string, state: JobState): void {
    if (!this.#set(category, state).delete(id)) outOfStep(id, category, state, 'not in');
    this.#size--;
  }

  /** Up to `limit` ids matching the filters, newest first, strictly below `cursor`. */
  page(query: IndexQuery): IndexPage {
    const sources = this.#matching(query.category, query.state);
    // Without a budget it never gives up.
    const ids = newestFirst(sources, query.cursor, Math.max(0, query.limit) + 1, query.accept)!;
    const more = ids.length > query.limit;
    if (more) ids.pop();
    return { ids, nextCursor: more ? ids[ids.length - 1]! : null };
  }

  /**
   * `page`, but it gives up (answers null) once it has looked at `budget`
   * ids without filling the page: for a selective `accept`, whose caller has
   * a faster way to look at every job.
   */
  pageWithin(query: IndexQuery, budget: number): IndexPage | null {
    const sources = this.#matching(query.category, query.state);
    const n = Math.max(0, query.limit) + 1;
    const ids = newestFirst(sources, query.cursor, n, query.accept, budget);
    if (ids === null) return null;
    const more = ids.length > query.limit;
    if (more) ids.pop();
    return { ids, nextCursor: more ? ids[ids.length - 1]! : null };
  }

  /**
   * How many ids match the filters, only those strictly below `below` when
   * given. Without `accept`, O(log n) per (category, state) set, from the
   * trees' cached sizes; with it, a walk of the ids the filters select.
   */
  count(
    query: { category?: string; state?: JobState; below?: string },
    accept?: (id: string) => boolean,
  ): number {
    let n = 0;
    for (const set of this.#matching(query.category, query.state)) {
      if (accept !== undefined) n += countByWalking(set, query.below, accept);
      else n += query.below === undefined ? set.size : rankBelow(set, query.below);
    }
    return n;
  }

  /**
   * Up to `limit` ids matching the filters and `accept`, oldest first, only
   * those strictly below `below` when given.
   */
  oldest(
    query: { category?: string; state?: JobState; below?: string },
    limit: number,
    accept?: (id: string) => boolean,
  ): string[] {
    const ids: string[] = [];
    if (limit <= 0) return ids;
    const sources = this.#matching(query.category, query.state);
    const below = query.below;
    const heap = new Heap(1);
    for (const s of sources) heap.push(s.entries(undefined, []));
    while (heap.size > 0) {
      const id = heap.pop();
      if (below !== undefined && id >= below) break;
      if (accept && !accept(id)) continue;
      ids.push(id);
      if (ids.length === limit) break;
    }
    return ids;
  }

  #category(category: string): IdSet[] {
    let sets = this.#sets.get(category);
    if (!sets) {
      sets = JOB_STATES.map(() => new BTree(undefined, compareIds));
      this.#sets.set(category, sets);
    }
    return sets;
  }

  #set(category: string, state: JobState): IdSet {
    return this.#category(category)[STATE_SLOT[state]]!;
  }

  #matching(category: string | undefined, state: JobState | undefined): IdSet[] {
    const perCategory =
      category === undefined ? [...this.#sets.values()] : [this.#sets.get(category) ?? []];
    const out: IdSet[] = [];
    for (const sets of perCategory) {
      if (state === undefined) out.push(...sets);
      else if (sets.length > 0) out.push(sets[STATE_SLOT[state]]!);
    }
    return out.filter((s) => s.size > 0);
  }
}

function outOfStep(id: string, category: string, state: JobState, how: string): never {
  // A bug in the caller, not bad input: the index must mirror every transition.
  throw new Error(`JobIndex: job '${id}' is ${how} ${category}/${state}; the index is out of step`);
}

/**
 * Up to `n` ids from `sources` that `accept` takes (all, without it), newest
 * first, strictly below `cursor`: a k-way merge. Null when it looked at
 * `budget` ids before it found `n` or ran out.
 */
function newestFirst(
  sources: readonly IdSet[],
  cursor: string | undefined,
  n: number,
  accept?: (id: string) => boolean,
  budget = Infinity,
): string[] | null {
  const ids: string[] = [];
  if (n <= 0 || sources.length === 0) return ids;
  const below = (s: IdSet) => s.entriesReversed(cursor, [], true);
  let looked = 0;
  if (sources.length === 1) {
    for (const [id] of below(sources[0]!)) {
      if (looked++ === budget) return null;
      if (accept !== undefined && !accept(id)) continue;
      ids.push(id);
      if (ids.length === n) break;
    }
    return ids;
  }
  const heap = new Heap(-1);
  for (const s of sources) heap.push(below(s));
  while (ids.length < n && heap.size > 0) {
    if (looked++ === budget) return null;
    const id = heap.pop();
    if (accept === undefined || accept(id)) ids.push(id);
  }
  return ids;
}

/**
 * How many ids of `set` are strictly below `bound`. Walks down the tree once:
 * a child whose largest key is below the bound counts whole, by the size
 * the tree caches; only the one child that straddles the bound is entered.
 * Should the tree's inside not be as `TreeNode` says, it counts by walking
 * the ids below the bound instead.
 */
function rankBelow(set: IdSet, bound: string): number {
  const root = (set as unknown as { _root?: TreeNode })._root;
  if (root === undefined || !Array.isArray(root.keys)) return countByWalking(set, bound);
  let node: TreeNode = root;
  let rank = 0;
  for (;;) {
    const i = firstNotBelow(node.keys, bound);
    const children: TreeNode[] | undefined = node.children;
    if (children === undefined) return rank + i;
    for (let c = 0; c < i; c++) rank += children[c]!.size();
    if (i === children.length) return rank;
    node = children[i]!;
  }
}

/** The index of the first key not below `bound` (keys.length if none). */
function firstNotBelow(keys: readonly string[], bound: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (keys[mid]! < bound) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** How many ids of `set` below `bound` (all, without one) `accept` takes (all, without it). */
function countByWalking(
  set: IdSet,
  bound: string | undefined,
  accept?: (id: string) => boolean,
): number {
  let n = 0;
  for (const [id] of set.entries(undefined, [])) {
    if (bound !== undefined && id >= bound) break;
    if (accept === undefined || accept(id)) n++;
  }
  return n;
}

type Cursor = Iterator<[string, undefined]>;

/**
 * Iterators keyed by their current head: a k-way merge. `order` -1 keeps the
 * largest head on top (newest first), 1 the smallest (oldest first).
 */
class Heap {
  readonly #heads: string[] = [];
  readonly #rest: Cursor[] = [];
  readonly #order: 1 | -1;

  constructor(order: 1 | -1) {
    this.#order = order;
  }

  /** Whether head `a` belongs above head `b`. */
  #above(a: string, b: string): boolean {
    return this.#order === -1 ? a > b : a < b;
  }

  get size(): number {
    return this.#heads.length;
  }

  push(it: Cursor): void {
    const next = it.next();
    if (next.done) return;
    this.#heads.push(next.value[0]);
    this.#rest.push(it);
    this.#up(this.#heads.length - 1);
  }

  /** Takes the largest head and advances its iterator. */
  pop(): string {
    const top = this.#heads[0]!;
    const next = this.#rest[0]!.next();
    if (next.done) {
      const lastHead = this.#heads.pop()!;
      const lastRest = this.#rest.pop()!;
      if (this.#heads.length === 0) return top;
      this.#heads[0] = lastHead;
      this.#rest[0] = lastRest;
    } else {
      this.#heads[0] = next.value[0];
    }
    this.#down(0);
    return top;
  }

  #up(i: number): void {
    const h = this.#heads;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#above(h[i]!, h[parent]!)) return;
      this.#swap(i, parent);
      i = parent;
    }
  }

  #down(i: number): void {
    const h = this.#heads;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let top = i;
      if (l < h.length && this.#above(h[l]!, h[top]!)) top = l;
      if (r < h.length && this.#above(h[r]!, h[top]!)) top = r;
      if (top === i) return;
      this.#swap(i, top);
      i = top;
    }
  }

  #swap(a: number, b: number): void {
    const h = this.#heads;
    const it = this.#rest;
    [h[a], h[b]] = [h[b]!, h[a]!];
    [it[a], it[b]] = [it[b]!, it[a]!];
  }
}
