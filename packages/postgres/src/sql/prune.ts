import type { RetentionLimits, RetentionPolicy } from '@cadre/core';
import type { Queryable } from '../db.js';
import type { Names } from '../names.js';
import { pgTimeAt } from '../rows.js';

/** Jobs deleted per statement, so that a large prune never holds many locks for long. */
const BATCH = 1000;

/** A retention class: its jobs, as the predicate of its partial index. */
const CLASSES = [
  { predicate: `state = 'failed'`, limits: (p: RetentionPolicy): RetentionLimits => p.failed },
  { predicate: `state IN ('succeeded', 'cancelled')`, limits: (p: RetentionPolicy) => p },
];

/**
 * Forgets finished jobs beyond the retention policy, as core's `pruneCount`
 * decides it: in each category and retention class, a job goes when it
 * finished more than `maxAgeMs` before `now` and is not among the newest
 * `maxCount`. Returns how many went. A job that a waiting callback still
 * depends on (a chord's member, until the chord fires or is dropped) stays,
 * though it counts among the class's jobs.
 */
export async function pruneJobs(
  db: Queryable,
  n: Names,
  policy: RetentionPolicy,
  now: number,
): Promise<number> {
  let pruned = 0;
  for (const cls of CLASSES) {
    const { maxAgeMs, maxCount } = cls.limits(policy);
    // Nothing finished before 1970, nor beyond an infinite count.
    if (!(now - maxAgeMs > 0) || !Number.isFinite(maxCount)) continue;
    const cutoff = pgTimeAt(now - maxAgeMs);
    for (const category of await categoriesWith(db, n, cls.predicate)) {
      for (;;) {
        // The oldest of the class, as many as exceed the count, of those past the age,
        // but those a callback waits on.
        const [row] = await db.query<{ n: number }>(
          `WITH beyond AS (
             SELECT greatest(count(*) - $3, 0) AS n FROM ${n.jobs}
             WHERE category = $1 AND ${cls.predicate}
           ), candidates AS (
             SELECT id, children FROM ${n.jobs}
             WHERE category = $1 AND ${cls.predicate} AND finished_at < $2
             ORDER BY finished_at, id
             LIMIT (SELECT n FROM beyond)
           ), doomed AS (
             SELECT id FROM candidates AS j
             WHERE j.children = '{}' OR NOT EXISTS (
               SELECT 1 FROM ${n.jobs} AS c WHERE c.id = ANY(j.children) AND c.state = 'waiting'
             )
             LIMIT ${BATCH}
           ), deleted AS (
             DELETE FROM ${n.jobs} AS j USING doomed
             WHERE j.id = doomed.id AND j.${cls.predicate}
             RETURNING 1
           )
           SELECT count(*)::integer AS n FROM deleted`,
          [category, cutoff, maxCount],
        );
        pruned += row?.n ?? 0;
        if ((row?.n ?? 0) < BATCH) break;
      }
    }
  }
  return pruned;
}

/** The categories with jobs of a class: a skip scan of the class's index, one step per category. */
async function categoriesWith(db: Queryable, n: Names, predicate: string): Promise<string[]> {
  const rows = await db.query<{ category: string }>(
    `WITH RECURSIVE c AS (
       (SELECT category FROM ${n.jobs} WHERE ${predicate} ORDER BY category LIMIT 1)
       UNION ALL
       SELECT (SELECT category FROM ${n.jobs}
               WHERE ${predicate} AND category > c.category ORDER BY category LIMIT 1)
       FROM c WHERE c.category IS NOT NULL
     )
     SELECT category FROM c WHERE category IS NOT NULL`,
  );
  return rows.map((r) => r.category);
}
