/**
 * `--mix`: which jobs the generator sends, as `category:task:share` entries,
 * and the deterministic order it sends them in.
 */
import { UsageError } from './errors.js';

export interface MixEntry {
  category: string;
  task: string;
  /** Relative weight, > 0. */
  share: number;
}

/** A spread over the shipped example config's categories. */
export const DEFAULT_MIX = 'default:echo:2,email:echo:2,reports:fib:3,images:sleep:2';

const NAME = /^[A-Za-z0-9_.-]+$/;

/** Parses `reports:fib:3,images:sleep:2`; a missing share means 1. */
export function parseMix(text: string): MixEntry[] {
  const entries: MixEntry[] = [];
  const seen = new Set<string>();
  for (const raw of text.split(',')) {
    const part = raw.trim();
    if (part === '') continue;
    const fields = part.split(':');
    const [category = '', task = '', shareText] = fields;
    if (fields.length < 2 || fields.length > 3 || !NAME.test(category) || !NAME.test(task)) {
      throw new UsageError(`--mix: '${part}' is not category:task:share (e.g. reports:fib:3)`);
    }
    const share = shareText === undefined ? 1 : Number(shareText);
    if (
      shareText !== undefined &&
      (shareText.trim() === '' || !Number.isFinite(share) || share <= 0)
    ) {
      throw new UsageError(`--mix: the share in '${part}' must be a number > 0`);
    }
    const id = `${category}:${task}`;
    if (seen.has(id)) throw new UsageError(`--mix: '${id}' is given twice`);
    seen.add(id);
    entries.push({ category, task, share });
  }
  if (entries.length === 0) throw new UsageError('--mix: give at least one category:task:share');
  return entries;
}

/**
 * The entry index of each of `count` jobs, by smooth weighted round-robin (as
 * nginx balances upstreams): every prefix of the sequence follows the shares as
 * closely as whole jobs allow, and like entries are spread out, not bunched.
 */
export function interleave(shares: readonly number[], count: number): Uint32Array {
  const order = new Uint32Array(count);
  if (shares.length === 0) return order;
  const total = shares.reduce((a, b) => a + b, 0);
  const current = shares.map(() => 0);
  for (let i = 0; i < count; i++) {
    let best = 0;
    for (let e = 0; e < shares.length; e++) {
      current[e] = (current[e] ?? 0) + (shares[e] ?? 0);
      if ((current[e] ?? 0) > (current[best] ?? 0)) best = e;
    }
    current[best] = (current[best] ?? 0) - total;
    order[i] = best;
  }
  return order;
}

/**
 * Whether job `i` is one of the `fraction` of jobs picked for something
 * (failing, delayed): evenly spread, exactly round(fraction × n) of any first n
 * jobs up to one. `phase` shifts the pattern so that two picks made with the
 * same fraction do not land on the same jobs.
 */
export function isPicked(i: number, fraction: number, phase = 0): boolean {
  if (fraction <= 0) return false;
  if (fraction >= 1) return true;
  return Math.floor((i + 1) * fraction + phase) > Math.floor(i * fraction + phase);
}
