/**
 * Table cells of figures that may be missing: a measurement that could not
 * run is null (or undefined, when its whole run is), and says so in print.
 */
export type Cell = number | null;

/** The largest figure that ran, or null when none did. */
export function best(values: readonly Cell[]): Cell {
  const ran = values.filter((v): v is number => v !== null);
  return ran.length === 0 ? null : Math.max(...ran);
}

export function ratio(a: Cell | undefined, b: Cell | undefined): Cell {
  return a === null || a === undefined || b === null || b === undefined ? null : a / b;
}

export function cell(v: Cell | undefined): string | number {
  return v === null || v === undefined ? 'could not run' : v;
}

/** Measurements that may fail: `attempt` prints a failure, keeps it in `failures`, and answers null. */
export function attempts(): {
  failures: string[];
  attempt: <T>(what: string, fn: () => Promise<T>) => Promise<T | null>;
} {
  const failures: string[] = [];
  async function attempt<T>(what: string, fn: () => Promise<T>): Promise<T | null> {
    try {
      return await fn();
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      failures.push(`${what}: ${why}`);
      console.log(`✗ ${what} could not run: ${why}`);
      return null;
    }
  }
  return { failures, attempt };
}
