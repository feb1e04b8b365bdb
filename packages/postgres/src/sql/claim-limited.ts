import type { RateLimit } from '@cadre/core';
import { readClaimTime, type ClaimTime, type LimitedClaim } from '@cadre/store';
import type { Queryable } from '../db.js';
import type { Names } from '../names.js';
import { claimJobs, type Claimant } from './claim.js';

/**
 * A claim within a category's rate limit, one budget for every node: the
 * category's row is locked, so that nodes claiming at once take turns
 * through the count; the starts still in the window (rows of `rate_starts`,
 * one per claim) are counted and the older ones deleted; the claim takes at
 * most what is left, and its own row is added before the lock is released.
 * When the window is then full, its earliest time with room again is read
 * back (see `freesAt`). Runs in the caller's transaction. The window is
 * judged at the time read once the lock is held; the jobs are stamped as
 * `claimJobs` stamps them.
 *
 * Only rate-limited categories come here: the plain claim gains no statement.
 */
export async function claimLimited(
  tx: Queryable,
  n: Names,
  me: Claimant,
  category: string,
  max: number,
  limit: RateLimit,
  at: ClaimTime,
): Promise<LimitedClaim> {
  await lockCategory(tx, n, category);
  const now = readClaimTime(at);
  const since = now - limit.perMs;
  const [counted] = await tx.query<{ used: number }>(
    `WITH gone AS (DELETE FROM ${n.rateStarts} WHERE category = $1 AND at_ms <= $2)
     SELECT coalesce(sum(n), 0)::integer AS used FROM ${n.rateStarts}
     WHERE category = $1 AND at_ms > $2`,
    [category, since],
  );
  const room = Math.max(0, limit.max - counted!.used);
  const jobs = room > 0 ? await claimJobs(tx, n, me, category, Math.min(max, room), at) : [];
  if (jobs.length > 0) {
    await tx.query(`INSERT INTO ${n.rateStarts} (category, at_ms, n) VALUES ($1, $2, $3)`, [
      category,
      now,
      jobs.length,
    ]);
  }
  if (room > jobs.length) return { jobs, heldUntil: null };
  return { jobs, heldUntil: await freesAt(tx, n, category, limit, since) };
}

/**
 * Locks the category's row, creating it (with no override) the first time:
 * claims of the category on every node wait here for each other.
 */
async function lockCategory(tx: Queryable, n: Names, category: string): Promise<void> {
  const lock = `SELECT 1 FROM ${n.categories} WHERE name = $1 FOR UPDATE`;
  if ((await tx.query(lock, [category])).length > 0) return;
  await tx.query(`INSERT INTO ${n.categories} (name) VALUES ($1) ON CONFLICT DO NOTHING`, [
    category,
  ]);
  await tx.query(lock, [category]);
}

/**
 * The earliest time a full window has room again: that of the oldest start
 * whose leaving (with every start before it) leaves fewer than `max` in the
 * window, plus `perMs`. `newer` is what the starts after a row add up to.
 */
async function freesAt(
  tx: Queryable,
  n: Names,
  category: string,
  limit: RateLimit,
  since: number,
): Promise<number> {
  const [row] = await tx.query<{ at: string }>(
    `SELECT at_ms AS at FROM (
       SELECT at_ms, sum(n) OVER (ORDER BY at_ms DESC ROWS UNBOUNDED PRECEDING) - n AS newer
       FROM ${n.rateStarts} WHERE category = $1 AND at_ms > $2
     ) AS s
     WHERE newer < $3
     ORDER BY at_ms
     LIMIT 1`,
    [category, since, limit.max],
  );
  return Number(row!.at) + limit.perMs;
}
