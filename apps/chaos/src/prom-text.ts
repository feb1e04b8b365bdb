/**
 * Reads the few samples the soak needs from Prometheus text format: the value
 * of an unlabelled series, or the sum over a metric's labelled series.
 */
export function promValues(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const value = Number(match[3]);
    if (!Number.isFinite(value)) continue;
    const name = match[1]!;
    values.set(name, (values.get(name) ?? 0) + value);
  }
  return values;
}
