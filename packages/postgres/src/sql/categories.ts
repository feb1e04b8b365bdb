import type { CategoryPatch } from '@cadre/core';
import type { CategoryOverride } from '@cadre/store';
import type { Db, Queryable } from '../db.js';
import type { Names } from '../names.js';
import { notify } from '../notifications.js';

/** Merges `patch` into the category's shared settings and tells the other nodes. */
export function patchCategory(
  db: Db,
  n: Names,
  name: string,
  patch: CategoryPatch,
  origin: string,
): Promise<void> {
  return db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO ${n.categories} AS c (name, override) VALUES ($1, $2::jsonb)
       ON CONFLICT (name) DO UPDATE SET override = c.override || EXCLUDED.override`,
      [name, JSON.stringify(patch)],
    );
    await notify(tx, n, 'category', origin, [name]);
  });
}

export async function categoryOverrides(
  db: Queryable,
  n: Names,
): Promise<Record<string, CategoryOverride>> {
  const rows = await db.query<{ name: string; override: CategoryOverride }>(
    `SELECT name, override FROM ${n.categories} ORDER BY name`,
  );
  return Object.fromEntries(rows.map((r) => [r.name, r.override]));
}
