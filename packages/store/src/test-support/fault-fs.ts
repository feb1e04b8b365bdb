/**
 * A StoreFs over node:fs that counts calls and fails chosen ones, the way a
 * full or dying disk would.
 */
import { nodeFs, type StoreFs } from '../store-fs.js';

type Op = keyof StoreFs;

export interface FaultFs extends StoreFs {
  readonly calls: Record<Op, number>;
  /** The next `times` calls of `op` fail with `code` (e.g. ENOSPC, EIO). */
  failNext(op: Op, code: string, times?: number): void;
  /** Every call of `op` fails with `code` until healed. */
  failAlways(op: Op, code: string): void;
  heal(): void;
}

export function faultFs(base: StoreFs = nodeFs): FaultFs {
  const calls = {} as Record<Op, number>;
  const faults = new Map<Op, { code: string; times: number }>();
  const fs = {
    calls,
    failNext(op: Op, code: string, times = 1) {
      faults.set(op, { code, times });
    },
    failAlways(op: Op, code: string) {
      faults.set(op, { code, times: Number.POSITIVE_INFINITY });
    },
    heal() {
      faults.clear();
    },
  } as FaultFs;
  for (const op of Object.keys(base) as Op[]) {
    calls[op] = 0;
    const real = base[op] as (...args: unknown[]) => Promise<unknown>;
    (fs as unknown as Record<Op, unknown>)[op] = async (...args: unknown[]) => {
      calls[op]++;
      const fault = faults.get(op);
      if (fault !== undefined && fault.times > 0) {
        fault.times--;
        const err = new Error(`${fault.code}: injected fault, ${op}`) as NodeJS.ErrnoException;
        err.code = fault.code;
        throw err;
      }
      return real(...args);
    };
  }
  return fs;
}
