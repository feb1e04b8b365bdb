/**
 * Reading the server's own log (pino JSON lines on stdout when it is not a
 * terminal): a server that stops before it is ready says why at level error
 * or fatal, and that reason is worth more than its exit code.
 */

/** pino's number for `error`; `fatal` is 60. */
const ERROR_LEVEL = 50;

/** The `msg` of the last error or fatal line in `out`, or null when there is none. */
export function lastLoggedError(out: string): string | null {
  const lines = out.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!.trim();
    if (!line.startsWith('{')) continue;
    let entry: unknown;
    try {
      entry = JSON.parse(line);
    } catch {
      continue;
    }
    if (typeof entry !== 'object' || entry === null) continue;
    const { level, msg } = entry as { level?: unknown; msg?: unknown };
    if (typeof level === 'number' && level >= ERROR_LEVEL && typeof msg === 'string') return msg;
  }
  return null;
}
