/**
 * Turns what a handler returned into the JSON text that leaves the thread, or
 * into a permanent error when it cannot be stored: retrying would only
 * produce the same value again.
 */
import type { WorkerOutcome } from './protocol.js';

class NotJson extends Error {}

export function encodeResult(value: unknown, maxResultBytes: number): WorkerOutcome {
  let json: string | undefined;
  try {
    json = JSON.stringify(value === undefined ? null : value, rejectLossy);
  } catch (err) {
    const why = err instanceof NotJson ? err.message : oneLine(err);
    return { kind: 'error', message: `result is not JSON-serializable: ${why}`, retryable: false };
  }
  if (json === undefined) {
    return {
      kind: 'error',
      message: `result is not JSON-serializable: ${describe(value)} at the top level`,
      retryable: false,
    };
  }
  // A UTF-16 unit is at most 3 UTF-8 bytes: most results never need counting.
  if (json.length * 3 > maxResultBytes) {
    const bytes = Buffer.byteLength(json, 'utf8');
    if (bytes > maxResultBytes) {
      return {
        kind: 'error',
        message: `result is ${formatBytes(bytes)}, over the ${formatBytes(maxResultBytes)} limit`,
        retryable: false,
      };
    }
  }
  return { kind: 'ok', json };
}

/**
 * JSON.stringify silently drops functions and symbols and writes Maps and
 * Sets as `{}`: the stored result would not be what the task returned.
 */
function rejectLossy(this: unknown, key: string, value: unknown): unknown {
  const type = typeof value;
  if (type === 'function' || type === 'symbol' || type === 'bigint') {
    throw new NotJson(`${describe(value)} ${where(key)}`);
  }
  if (value instanceof Map || value instanceof Set || value instanceof Promise) {
    throw new NotJson(`${describe(value)} ${where(key)}`);
  }
  return value;
}

function where(key: string): string {
  return key === '' ? 'at the top level' : `at key '${key}'`;
}

function describe(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return 'a symbol';
  if (typeof value === 'bigint') return 'a BigInt';
  if (value instanceof Map) return 'a Map';
  if (value instanceof Set) return 'a Set';
  if (value instanceof Promise) return 'a Promise';
  return typeof value;
}

function oneLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/\s*\n\s*/g, ' ');
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const [value, unit] = bytes < 1024 * 1024 ? [bytes / 1024, 'KiB'] : [bytes / 1024 / 1024, 'MiB'];
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${unit}`;
}
