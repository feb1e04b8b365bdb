/**
 * Number and time formatting for a dense dashboard: short, stable widths,
 * never "NaN" or "Infinity" on screen.
 */

const UNITS = [
  { at: 1e9, suffix: 'G' },
  { at: 1e6, suffix: 'M' },
  { at: 1e3, suffix: 'k' },
] as const;

/** 950 → "950", 1234 → "1.2k", 12_345 → "12k", 1_500_000 → "1.5M". */
export function formatCount(value: number): string {
  if (!Number.isFinite(value)) return '–';
  const sign = value < 0 ? '-' : '';
  const abs = Math.abs(value);
  for (const { at, suffix } of UNITS) {
    // Round first so that 999_950 reads "1M", not "1000k".
    if (abs >= at * 0.99995) {
      const scaled = abs / at;
      const digits = scaled < 10 ? 1 : 0;
      const text = scaled.toFixed(digits).replace(/\.0$/, '');
      if (Number(text) >= 1000 && suffix !== 'G') continue;
      return `${sign}${text}${suffix}`;
    }
  }
  if (Number.isInteger(abs)) return `${sign}${abs}`;
  return `${sign}${abs < 10 ? abs.toFixed(1).replace(/\.0$/, '') : Math.round(abs)}`;
}

/** Jobs per second: 0 → "0/s", 0.25 → "0.25/s", 1234 → "1.2k/s". */
export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond) || perSecond <= 0) return '0/s';
  if (perSecond < 1) return `${perSecond.toFixed(2).replace(/0$/, '')}/s`;
  return `${formatCount(perSecond)}/s`;
}

/** A duration in ms as its two largest units: "850ms", "4.2s", "3m 12s", "2h 05m", "3d 4h". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '–';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s < 10 ? s.toFixed(1).replace(/\.0$/, '') : Math.floor(s)}s`;
  const totalS = Math.floor(s);
  const m = Math.floor(totalS / 60);
  if (m < 60) return `${m}m ${String(totalS % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** A category's rate limit: { max: 5, perMs: 500 } → "5 per 500ms", { max: 1200, perMs: 60000 } → "1.2k per 1m 00s". */
export function formatRateLimit(limit: { max: number; perMs: number }): string {
  return `${formatCount(limit.max)} per ${formatDuration(limit.perMs)}`;
}

/** Wall-clock time of an ISO instant, with milliseconds: "14:03:07.120". */
export function formatClock(iso: string | null | undefined): string {
  if (!iso) return '–';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '–';
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

/** How long ago an ISO instant was, relative to `now` (ms): "3s ago", "in 2s". */
export function formatAgo(iso: string | null | undefined, now: number): string {
  if (!iso) return '–';
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return '–';
  const diff = now - at;
  if (Math.abs(diff) < 1000) return 'now';
  return diff > 0 ? `${formatDuration(diff)} ago` : `in ${formatDuration(-diff)}`;
}

/**
 * The age of a node's heartbeat at `now` (the page's clock): "just now",
 * "4s ago", "3m 12s ago". Whole seconds, so that it ticks once a second
 * instead of flickering tenths. A heartbeat ahead of the page's clock (the
 * clocks differ) reads "just now", never "in 2s": a heartbeat is never in the
 * future.
 */
export function formatHeartbeatAge(iso: string | null | undefined, now: number): string {
  if (!iso) return '–';
  const at = Date.parse(iso);
  if (Number.isNaN(at) || !Number.isFinite(now)) return '–';
  const age = Math.max(0, now - at);
  if (age < 1000) return 'just now';
  return `${formatDuration(age < 60_000 ? Math.floor(age / 1000) * 1000 : age)} ago`;
}

/** Pretty JSON for the detail view, bounded so that a 1 MiB input cannot freeze the page. */
export function formatJson(value: unknown, maxChars = 20_000): string {
  let text: string;
  try {
    text = JSON.stringify(value, null, 2) ?? 'null';
  } catch {
    text = String(value);
  }
  return text.length > maxChars
    ? `${text.slice(0, maxChars)}\n… (${formatCount(text.length)} chars)`
    : text;
}
