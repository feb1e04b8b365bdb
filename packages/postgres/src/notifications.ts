/**
 * What nodes tell each other through NOTIFY. A payload starts with the id of
 * the backend instance that sent it, so that an instance skips its own: it
 * has told its engine already, through `change` events or directly.
 */
import type { Queryable } from './db.js';
import type { Channel, Names } from './names.js';

const SEPARATOR = ' ';

export function encodePayload(origin: string, data: string): string {
  return origin + SEPARATOR + data;
}

export function decodePayload(payload: string): { origin: string; data: string } {
  const at = payload.indexOf(SEPARATOR);
  return at < 0
    ? { origin: payload, data: '' }
    : { origin: payload.slice(0, at), data: payload.slice(at + 1) };
}

/** Sends one notification per distinct item of `data`, delivered when the transaction commits. */
export async function notify(
  tx: Queryable,
  n: Names,
  channel: Channel,
  origin: string,
  data: Iterable<string>,
): Promise<void> {
  const payloads = [...new Set(data)].map((d) => encodePayload(origin, d));
  if (payloads.length === 0) return;
  await tx.query('SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p', [
    n.channel(channel),
    payloads,
  ]);
}
