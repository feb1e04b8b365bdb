/**
 * Metrics history (issue 14): each node adds its deltas to its own rows, in
 * one transaction that also deletes every row older than 24 h; a read sums
 * the rows of every node (core's sumRows).
 */
import { addRows, historyKeptFrom, historyKey, sumRows, type HistoryRow } from '@cadre/core';
import type { Db, Queryable } from '../db.js';
import type { Names } from '../names.js';

interface Stored {
  minute: number;
  category: string;
  succeeded: number;
  failed: number;
  wait_ms: number[];
  run_ms: number[];
}

function fromStored(r: Stored): HistoryRow {
  return {
    minute: r.minute,
    category: r.category,
    succeeded: r.succeeded,
    failed: r.failed,
    wait: r.wait_ms,
    run: r.run_ms,
  };
}

const COLUMNS = 'minute::float8 AS minute, category, succeeded, failed, wait_ms, run_ms';

export function recordHistory(
  db: Db,
  n: Names,
  node: string,
  rows: readonly HistoryRow[],
  now: number,
): Promise<void> {
  const keptFrom = historyKeptFrom(now);
  const fresh = rows.filter((r) => r.minute >= keptFrom);
  return db.transaction(async (tx) => {
    await tx.query(`DELETE FROM ${n.history} WHERE minute < $1`, [keptFrom]);
    if (fresh.length === 0) return;
    const minutes = [...new Set(fresh.map((r) => r.minute))];
    const stored = await tx.query<Stored>(
      `SELECT ${COLUMNS} FROM ${n.history}
       WHERE node = $1 AND minute = ANY($2::bigint[]) FOR UPDATE`,
      [node, minutes],
    );
    const merged = new Map(stored.map((r) => [historyKey(r), fromStored(r)]));
    for (const row of fresh) {
      const key = historyKey(row);
      const seen = merged.get(key);
      merged.set(key, seen ? addRows(seen, row) : row);
    }
    const changed = fresh.map((r) => merged.get(historyKey(r))!);
    await writeRows(tx, n, node, [...new Map(changed.map((r) => [historyKey(r), r])).values()]);
  });
}

async function writeRows(
  tx: Queryable,
  n: Names,
  node: string,
  rows: readonly HistoryRow[],
): Promise<void> {
  await tx.query(
    `INSERT INTO ${n.history} AS h (minute, category, node, succeeded, failed, wait_ms, run_ms)
     SELECT r.minute, r.category, $1, r.succeeded, r.failed,
            ARRAY(SELECT jsonb_array_elements_text(r.wait)::integer),
            ARRAY(SELECT jsonb_array_elements_text(r.run)::integer)
     FROM jsonb_to_recordset($2::jsonb)
       AS r(minute bigint, category text, succeeded integer, failed integer, wait jsonb, run jsonb)
     ON CONFLICT (minute, category, node) DO UPDATE SET
       succeeded = EXCLUDED.succeeded, failed = EXCLUDED.failed,
       wait_ms = EXCLUDED.wait_ms, run_ms = EXCLUDED.run_ms`,
    [node, JSON.stringify(rows)],
  );
}

export async function readHistory(
  db: Queryable,
  n: Names,
  sinceMs: number,
  now: number,
): Promise<HistoryRow[]> {
  const from = Math.max(sinceMs, historyKeptFrom(now));
  const rows = await db.query<Stored>(
    `SELECT ${COLUMNS} FROM ${n.history} WHERE minute >= $1 ORDER BY minute, category, node`,
    [from],
  );
  return sumRows(rows.map(fromStored));
}
