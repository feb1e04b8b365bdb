/**
 * Job ids that sort by creation: 9 base-36 digits of epoch ms, then 4 of a
 * counter within that millisecond. Sortable ids let the engine list newest
 * first and page with the last id as the cursor, across restarts.
 */
export function createIdGenerator(now: () => number, after = ''): () => string {
  let lastMs = 0;
  let seq = 0;
  let last = after;
  return () => {
    const ms = Math.max(now(), lastMs);
    seq = ms === lastMs ? seq + 1 : 0;
    lastMs = ms;
    let id = ms.toString(36).padStart(9, '0') + seq.toString(36).padStart(4, '0');
    // The clock went back below an id we recovered: stay after it.
    if (id <= last) {
      lastMs = parseInt(last.slice(0, 9), 36);
      seq = parseInt(last.slice(9, 13), 36) + 1;
      id = lastMs.toString(36).padStart(9, '0') + seq.toString(36).padStart(4, '0');
    }
    last = id;
    return id;
  };
}

/**
 * An id every job created at or before `ms` sorts below, and every job
 * created after it does not: the time part of the first id of the next
 * millisecond. Observers read `olderThanMs` as this bound on the id.
 */
export function idBelowTime(ms: number): string {
  return (Math.max(0, Math.floor(ms)) + 1).toString(36).padStart(9, '0');
}
