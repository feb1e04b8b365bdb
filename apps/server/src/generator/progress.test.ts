import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { GeneratorIo } from './io.js';
import { createProgress } from './progress.js';

function io(isTTY: boolean) {
  let clock = 0;
  let text = '';
  const err = Object.assign(new PassThrough(), { isTTY, columns: 120 });
  err.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const value: GeneratorIo = {
    out: { write: () => true },
    err,
    now: () => clock,
    sleep: async () => {},
  };
  return {
    io: value,
    advance: (ms: number) => (clock += ms),
    text: () => text,
  };
}

describe('createProgress', () => {
  it('writes nothing when quiet', () => {
    const t = io(true);
    const p = createProgress(t.io, true);
    p.start('submit', 10);
    p.update(10);
    p.stop();
    expect(t.text()).toBe('');
  });

  it('prints a plain line at most every 2 s, and always the last one, when not a terminal', () => {
    const t = io(false);
    const p = createProgress(t.io, false);
    p.start('submit', 100);
    p.update(10, '5 jobs/s');
    t.advance(500);
    p.update(20);
    t.advance(1500);
    p.update(30);
    p.update(100);
    p.update(100);
    p.stop();
    expect(t.text()).toBe('submit 10/100 5 jobs/s\nsubmit 30/100\nsubmit 100/100\n');
  });

  it('draws a bar on a terminal', () => {
    const t = io(true);
    const p = createProgress(t.io, false);
    p.start('finish', 4);
    p.update(4);
    p.stop();
    expect(t.text()).toContain('finish');
    expect(t.text()).toContain('4/4 100%');
  });
});
