import type { ChildProcess } from 'node:child_process';

/** SIGTERM, then SIGKILL if the child has not exited `graceMs` later; at once if it is gone. */
export function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  // A child killed by a signal (kill -9) has a signalCode and no exitCode.
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
