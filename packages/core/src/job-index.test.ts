import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JobIndex, type IndexQuery } from './job-index.js';
import { JOB_STATES, type JobState } from './job.js';

interface Entry {
  category: string;
  state: JobState;
}

/** The naive answer: filter, sort newest first, cut below the cursor. */
function model(jobs: Map<string, Entry>, q: IndexQuery) {
  const all = [...jobs]
    .filter(([, e]) => q.category === undefined || e.category === q.category)
    .filter(([, e]) => q.state === undefined || e.state === q.state)
    .filter(([id]) => q.cursor === undefined || id < q.cursor)
    .map(([id]) => id)
    .sort()
    .reverse();
  const ids = all.slice(0, q.limit);
  return { ids, nextCursor: all.length > q.limit ? ids[ids.length - 1]! : null };
}

/** Every page of `q`, following the cursors. */
function walk(index: JobIndex, q: IndexQuery): string[][] {
  const pages: string[][] = [];
  let cursor = q.cursor;
  for (;;) {
    const page = index.page({ ...q, cursor });
    pages.push(page.ids);
    if (page.nextCursor === null) return pages;
    expect(pages.length).toBeLessThanOrEqual(10_000);
    cursor = page.nextCursor;
  }
}

describe('JobIndex', () => {
  it('pages one (category, state) newest first, strictly below the cursor', () => {
    const index = new JobIndex();
    for (const id of ['a3', 'a1', 'a5', 'a2', 'a4']) index.add(id, 'c', 'queued');
    expect(index.page({ category: 'c', state: 'queued', limit: 2 })).toEqual({
      ids: ['a5', 'a4'],
      nextCursor: 'a4',
    });
    expect(index.page({ category: 'c', state: 'queued', cursor: 'a4', limit: 2 })).toEqual({
      ids: ['a3', 'a2'],
      nextCursor: 'a2',
    });
    expect(index.page({ category: 'c', state: 'queued', cursor: 'a2', limit: 2 })).toEqual({
      ids: ['a1'],
      nextCursor: null,
    });
    // A cursor that is no id: everything below it.
    expect(index.page({ state: 'queued', cursor: 'a35', limit: 5 }).ids).toEqual([
      'a3',
      'a2',
      'a1',
    ]);
  });

  it('pages only the ids `accept` takes, from one set or merged from several', () => {
    const index = new JobIndex();
    for (const id of ['a1', 'a2', 'a3', 'a4', 'a5', 'a6']) index.add(id, 'c', 'queued');
    for (const id of ['b1', 'b2', 'b3']) index.add(id, 'd', 'failed');
    const even = (id: string) => Number(id.slice(1)) % 2 === 0;
    expect(index.page({ category: 'c', state: 'queued', limit: 2, accept: even })).toEqual({
      ids: ['a6', 'a4'],
      nextCursor: 'a4',
    });
    expect(
      index.page({ category: 'c', state: 'queued', cursor: 'a4', limit: 2, accept: even }),
    ).toEqual({ ids: ['a2'], nextCursor: null });
    expect(index.page({ limit: 10, accept: even })).toEqual({
      ids: ['b2', 'a6', 'a4', 'a2'],
      nextCursor: null,
    });
    expect(index.page({ limit: 3, accept: () => false })).toEqual({ ids: [], nextCursor: null });
  });

  it('gives up a page (null) after looking at `budget` ids, but not before', () => {
    const index = new JobIndex();
    for (let i = 10; i < 30; i++) index.add(`a${i}`, i % 2 === 0 ? 'c' : 'd', 'queued');
    const rare = (id: string) => id === 'a12';
    expect(index.pageWithin({ limit: 5, accept: rare }, 5)).toBeNull();
    expect(index.pageWithin({ limit: 5, accept: rare }, 20)).toEqual({
      ids: ['a12'],
      nextCursor: null,
    });
    expect(index.pageWithin({ category: 'c', limit: 2, accept: rare }, 3)).toBeNull();
    expect(index.pageWithin({ limit: 2 }, 3)).toEqual({ ids: ['a29', 'a28'], nextCursor: 'a28' });
  });

  it('says there is no next page when the page ends exactly at the last match', () => {
    const index = new JobIndex();
    index.add('a', 'c', 'failed');
    index.add('b', 'd', 'failed');
    expect(index.page({ state: 'failed', limit: 2 })).toEqual({
      ids: ['b', 'a'],
      nextCursor: null,
    });
  });

  it('follows moves and removals', () => {
    const index = new JobIndex();
    index.add('1', 'c', 'queued');
    index.add('2', 'c', 'queued');
    index.add('3', 'd', 'queued');
    index.move('1', 'c', 'queued', 'running');
    index.move('1', 'c', 'running', 'failed');
    index.move('3', 'd', 'queued', 'failed');
    expect(index.page({ state: 'failed', limit: 10 }).ids).toEqual(['3', '1']);
    expect(index.page({ category: 'c', limit: 10 }).ids).toEqual(['2', '1']);
    index.remove('3', 'd', 'failed');
    expect(index.page({ limit: 10 }).ids).toEqual(['2', '1']);
    expect(index.size).toBe(2);
    index.move('2', 'c', 'queued', 'queued');
    expect(index.page({ category: 'c', state: 'queued', limit: 10 }).ids).toEqual(['2']);
  });

  it('answers an empty page for a category or state it has never seen', () => {
    const index = new JobIndex();
    expect(index.page({ limit: 10 })).toEqual({ ids: [], nextCursor: null });
    index.add('1', 'c', 'queued');
    expect(index.page({ category: 'nope', limit: 10 })).toEqual({ ids: [], nextCursor: null });
    expect(index.page({ state: 'failed', limit: 10 })).toEqual({ ids: [], nextCursor: null });
  });

  it('throws when told of a job it does not hold where it is said to be', () => {
    const index = new JobIndex();
    index.add('1', 'c', 'queued');
    expect(() => index.add('1', 'c', 'queued')).toThrow(/'1' is already in c\/queued/);
    expect(() => index.move('1', 'c', 'running', 'failed')).toThrow(/'1' is not in c\/running/);
    expect(() => index.move('1', 'd', 'queued', 'failed')).toThrow(/'1' is not in d\/queued/);
    expect(() => index.remove('1', 'c', 'failed')).toThrow(/'1' is not in c\/failed/);
    expect(() => index.remove('2', 'c', 'queued')).toThrow(/'2' is not in c\/queued/);
    expect(index.page({ limit: 10 }).ids).toEqual(['1']);
    expect(index.size).toBe(1);
  });

  const CATEGORIES = ['a', 'b', 'c'];
  const op = fc.record({
    kind: fc.constantFrom('add', 'add', 'move', 'move', 'remove'),
    // Ids from a small alphabet, so that adds collide and cursors fall between ids.
    id: fc.string({ unit: fc.constantFrom('0', '1', '2', '3', 'z'), minLength: 1, maxLength: 4 }),
    pick: fc.nat(),
    category: fc.constantFrom(...CATEGORIES),
    state: fc.constantFrom(...JOB_STATES),
  });
  const query = fc.record({
    category: fc.option(fc.constantFrom(...CATEGORIES, 'unknown'), { nil: undefined }),
    state: fc.option(fc.constantFrom(...JOB_STATES), { nil: undefined }),
    cursor: fc.option(fc.string({ unit: fc.constantFrom('0', '1', '2', '3', 'z'), maxLength: 5 }), {
      nil: undefined,
    }),
    limit: fc.integer({ min: 1, max: 12 }),
  });

  it('pages exactly as filter + sort does, after any adds, moves and removes', () => {
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 300 }),
        fc.array(query, { maxLength: 20 }),
        (ops, queries) => {
          const index = new JobIndex();
          const jobs = new Map<string, Entry>();
          for (const o of ops) {
            const ids = [...jobs.keys()];
            const existing = ids.length > 0 ? ids[o.pick % ids.length]! : undefined;
            if (o.kind === 'add' || existing === undefined) {
              if (jobs.has(o.id)) continue;
              index.add(o.id, o.category, o.state);
              jobs.set(o.id, { category: o.category, state: o.state });
            } else {
              const e = jobs.get(existing)!;
              if (o.kind === 'move') {
                index.move(existing, e.category, e.state, o.state);
                e.state = o.state;
              } else {
                index.remove(existing, e.category, e.state);
                jobs.delete(existing);
              }
            }
          }
          expect(index.size).toBe(jobs.size);
          for (const q of queries) {
            expect(index.page(q)).toEqual(model(jobs, q));
            // Walking every page from there yields each match once, in order.
            const whole = model(jobs, { ...q, limit: Number.MAX_SAFE_INTEGER }).ids;
            expect(walk(index, q).flat()).toEqual(whole);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('counts and lists oldest first exactly as filter + sort does, below any bound', () => {
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 300 }),
        fc.array(query, { maxLength: 20 }),
        (ops, queries) => {
          const index = new JobIndex();
          const jobs = new Map<string, Entry>();
          for (const o of ops) {
            if (jobs.has(o.id)) {
              const e = jobs.get(o.id)!;
              index.remove(o.id, e.category, e.state);
              jobs.delete(o.id);
            } else {
              index.add(o.id, o.category, o.state);
              jobs.set(o.id, { category: o.category, state: o.state });
            }
          }
          for (const q of queries) {
            const filter = { category: q.category, state: q.state, below: q.cursor };
            const all = model(jobs, { ...q, limit: Number.MAX_SAFE_INTEGER }).ids.reverse();
            expect(index.count(filter)).toBe(all.length);
            expect(index.oldest(filter, q.limit)).toEqual(all.slice(0, q.limit));
            const even = (id: string) => id.length % 2 === 0;
            expect(index.count(filter, even)).toBe(all.filter(even).length);
            expect(index.oldest(filter, q.limit, even)).toEqual(all.filter(even).slice(0, q.limit));
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('counts below a bound from the tree sizes, through internal nodes, after deletes', () => {
    // Enough ids for a tree three levels deep, then a third of them deleted at random.
    const index = new JobIndex();
    const ids: string[] = [];
    let seed = 7;
    const random = () => (seed = (seed * 48_271) % 2_147_483_647) / 2_147_483_647;
    for (let i = 0; i < 20_000; i++)
      ids.push(
        Math.floor(random() * 1e9)
          .toString(36)
          .padStart(6, '0'),
      );
    const kept = new Set<string>();
    for (const id of ids) {
      if (kept.has(id)) continue;
      kept.add(id);
      index.add(id, 'c', 'succeeded');
    }
    for (const id of [...kept]) {
      if (random() < 0.33) {
        kept.delete(id);
        index.remove(id, 'c', 'succeeded');
      }
    }
    const sorted = [...kept].sort();
    for (let k = 0; k < 200; k++) {
      const bound = Math.floor(random() * 1e9)
        .toString(36)
        .padStart(6, '0');
      const expected = sorted.filter((id) => id < bound).length;
      expect(index.count({ state: 'succeeded', below: bound })).toBe(expected);
    }
    expect(index.count({ category: 'c' })).toBe(sorted.length);
    expect(index.oldest({ category: 'c', state: 'succeeded' }, 5)).toEqual(sorted.slice(0, 5));
  });
});
