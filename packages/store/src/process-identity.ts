/**
 * Who a pid is, as /proc tells it: enough to tell the process that wrote a
 * lock from a later one that was given the same pid. Every answer is null
 * where /proc is missing or does not describe our own pid namespace; the lock
 * then falls back to kill(pid, 0).
 */
import { readFile, readlink } from 'node:fs/promises';

export interface ProcessStat {
  /** Field 3: R, S, D, Z (zombie), X (dead), … */
  state: string;
  /** Field 22: clock ticks from boot to the process's start, as written. */
  startTime: string;
}

/** What the lock records about its owner; null where it cannot be known. */
export interface ProcessIdentity {
  pid: number;
  startTime: string | null;
  /** Tells one boot of the machine from the next. */
  bootId: string | null;
  /** `pid:[inode]`: pids are only comparable inside one namespace. */
  pidNamespace: string | null;
}

export const PROC = '/proc';

/** Parses /proc/<pid>/stat, or returns null if `text` is not one. */
export function parseProcessStat(text: string): ProcessStat | null {
  // Field 2 (comm) is in parentheses and may itself hold spaces and ')'.
  const close = text.lastIndexOf(')');
  if (close === -1) return null;
  const fields = text
    .slice(close + 1)
    .trim()
    .split(' ');
  const state = fields[0];
  const startTime = fields[22 - 3];
  if (state === undefined || !/^[A-Za-z]$/.test(state)) return null;
  if (startTime === undefined || !/^\d+$/.test(startTime)) return null;
  return { state, startTime };
}

/** The stat of `pid` (or 'self'), or null when /proc has no such entry. */
export async function readProcessStat(
  pid: number | 'self',
  proc = PROC,
): Promise<ProcessStat | null> {
  try {
    return parseProcessStat(await readFile(`${proc}/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

/**
 * Whether `proc` is a procfs of our own pid namespace, so that
 * `<proc>/<pid>` names the process that `pid` means to us. Not so when /proc
 * is missing, or after `unshare --pid` without a fresh mount of /proc.
 */
export async function procShowsOurPids(proc = PROC): Promise<boolean> {
  try {
    return (await readlink(`${proc}/self`)) === String(process.pid);
  } catch {
    return false;
  }
}

export async function selfIdentity(proc = PROC): Promise<ProcessIdentity> {
  const [stat, bootId, pidNamespace] = await Promise.all([
    readProcessStat('self', proc),
    readFile(`${proc}/sys/kernel/random/boot_id`, 'utf8').then(
      (text) => text.trim() || null,
      () => null,
    ),
    readlink(`${proc}/self/ns/pid`).catch(() => null),
  ]);
  return { pid: process.pid, startTime: stat?.startTime ?? null, bootId, pidNamespace };
}
