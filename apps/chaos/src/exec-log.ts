/**
 * Reads the executions log the chaos tasks append to
 * (chaos-config/tasks/exec-log.js): `jobId attempt epoch` when an execution
 * starts, `jobId attempt epoch ok` when it returns successfully.
 */
import { existsSync, readFileSync } from 'node:fs';

export interface Execution {
  jobId: string;
  attempt: number;
  /** Which server process (round) ran it. */
  epoch: number;
  /** Position in the log: orders executions within an epoch. */
  seq: number;
  /** The handler returned successfully. */
  ok: boolean;
}

export function parseExecLog(text: string): { executions: Execution[]; malformed: number } {
  const executions: Execution[] = [];
  let malformed = 0;
  let seq = 0;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const [jobId, attempt, epoch, ok, ...rest] = line.split(' ');
    const a = Number(attempt);
    const e = Number(epoch);
    if (
      !jobId ||
      !Number.isInteger(a) ||
      !Number.isInteger(e) ||
      (ok !== undefined && ok !== 'ok') ||
      rest.length > 0
    ) {
      malformed += 1;
      continue;
    }
    executions.push({ jobId, attempt: a, epoch: e, seq: seq++, ok: ok === 'ok' });
  }
  return { executions, malformed };
}

export function readExecLog(path: string): { executions: Execution[]; malformed: number } {
  return existsSync(path)
    ? parseExecLog(readFileSync(path, 'utf8'))
    : { executions: [], malformed: 0 };
}
