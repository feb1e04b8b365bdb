/**
 * Recovery from files as a crash or damage would leave them, built by hand
 * from the pieces a real store writes.
 */
import { cp, readFile, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isCadreError, transition, type Job } from '@cadre/core';
import type { Mutation } from './job-store.js';
import { openLowdbStore, type LowdbStore, type StoreLogger } from './lowdb-store.js';
import { encodeCommit } from './records.js';
import { makeJob } from './test-support/jobs.js';
import { makeTmpDir, readTree } from './test-support/tmp-dir.js';

const J1 = 'journal-00000001.jsonl';
const J2 = 'journal-00000002.jsonl';
const SNAP = 'snapshot.json';

const put = (id: string): Mutation => ({ op: 'put', job: makeJob(id) });
const batch1: Mutation[][] = [
  [put('a'), put('b')],
  [{ op: 'category', name: 'm', override: { weight: 2 } }],
];
const batch2: Mutation[][] = [[put('c')], [{ op: 'delete', id: 'a' }]];

function recordingLogger(): StoreLogger & { warnings: string[] } {
  const warnings: string[] = [];
  return {
    warnings,
    warn: (details, message) => warnings.push(`${message} ${JSON.stringify(details)}`),
  };
}

async function commitAll(store: LowdbStore, commits: Mutation[][]): Promise<void> {
  for (const mutations of commits) await store.commit(mutations);
}

describe('recovery', () => {
  let tmp: Awaited<ReturnType<typeof makeTmpDir>>;
  let work: Awaited<ReturnType<typeof makeTmpDir>>;
  /** Files a real store wrote: journal-1 alone, and the snapshot + journal-2 after compacting it. */
  let pieces: { journal1: Buffer; snapshot: Buffer; journal2: Buffer };
  const opened: LowdbStore[] = [];

  beforeEach(async () => {
    tmp = await makeTmpDir();
    work = await makeTmpDir();
    const store = await openLowdbStore({ dir: work.dir });
    await commitAll(store, batch1);
    const journal1 = await readFile(join(work.dir, J1));
    await store.compact();
    await commitAll(store, batch2);
    await store.close();
    pieces = {
      journal1,
      snapshot: await readFile(join(work.dir, SNAP)),
      journal2: await readFile(join(work.dir, J2)),
    };
  });

  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    await tmp.remove();
    await work.remove();
  });

  const build = async (files: Record<string, Buffer | string>): Promise<void> => {
    for (const [name, content] of Object.entries(files))
      await writeFile(join(tmp.dir, name), content);
  };

  const open = async (logger: StoreLogger = recordingLogger()): Promise<LowdbStore> => {
    const store = await openLowdbStore({ dir: tmp.dir, logger });
    opened.push(store);
    return store;
  };

  const state = async (store: LowdbStore) => {
    const { jobs, categories } = await store.load();
    return { ids: jobs.map((j) => j.id), categories };
  };

  const expectCorrupt = async (file: string, line: number | null, why: RegExp) => {
    const before = await readTree(tmp.dir);
    const err: unknown = await openLowdbStore({ dir: tmp.dir, logger: recordingLogger() }).catch(
      (e: unknown) => e,
    );
    expect(isCadreError(err) && err.code).toBe('ERR_STORE_CORRUPT');
    const details = (err as { details: { file: string; line: number | null } }).details;
    expect(details).toEqual({ file: join(tmp.dir, file), line });
    expect(String(err)).toMatch(why);
    expect(String(err)).toContain(line === null ? file : `${file}:${line}`);
    // Nothing changed, and no lock was left behind.
    expect(await readTree(tmp.dir)).toEqual(before);
  };

  const afterBatch1 = { ids: ['a', 'b'], categories: { m: { weight: 2 } } };
  const afterBatch2 = { ids: ['b', 'c'], categories: { m: { weight: 2 } } };

  describe('at each step of a compaction', () => {
    it('after the switch to a new segment, before any commit went there', async () => {
      await build({ [J1]: pieces.journal1, [J2]: '' });
      expect(await state(await open())).toEqual(afterBatch1);
    });

    it('while the snapshot was being written (a partial temp file)', async () => {
      await build({
        [J1]: pieces.journal1,
        [J2]: pieces.journal2,
        'snapshot.json.tmp': pieces.snapshot.subarray(0, 40),
      });
      const store = await open();
      expect(await state(store)).toEqual(afterBatch2);
      expect(await readdir(tmp.dir)).not.toContain('snapshot.json.tmp');
    });

    it('after the snapshot was renamed into place, before old segments were deleted', async () => {
      await build({ [SNAP]: pieces.snapshot, [J1]: pieces.journal1, [J2]: pieces.journal2 });
      const store = await open();
      expect(await state(store)).toEqual(afterBatch2);
      expect((await readdir(tmp.dir)).sort()).toEqual(['cadre.lock', J2, SNAP]);
    });

    it('after the old segments were deleted', async () => {
      await build({ [SNAP]: pieces.snapshot, [J2]: pieces.journal2 });
      expect(await state(await open())).toEqual(afterBatch2);
    });

    it('goes on committing into the right segment afterwards', async () => {
      await build({ [SNAP]: pieces.snapshot, [J1]: pieces.journal1, [J2]: pieces.journal2 });
      const store = await open();
      await store.commit([put('d')]);
      await store.close();
      expect((await state(await open())).ids).toEqual(['b', 'c', 'd']);
    });
  });

  describe('a torn last line', () => {
    it('is dropped with a warning and cut off the file', async () => {
      const torn = `${pieces.journal1.toString()}[{"op":"put","job":{"id":"z`;
      await build({ [J1]: torn });
      const logger = recordingLogger();
      const store = await open(logger);
      expect(await state(store)).toEqual(afterBatch1);
      expect(logger.warnings).toHaveLength(1);
      expect(logger.warnings[0]).toContain(`${J1}`);
      expect(logger.warnings[0]).toContain('"line":3');
      expect(await readFile(join(tmp.dir, J1))).toEqual(pieces.journal1);
      await store.commit([put('d')]);
      await store.close();
      const again = await open();
      expect((await state(again)).ids).toEqual(['a', 'b', 'd']);
    });

    it('is dropped when the disk left zeros instead of the line', async () => {
      await build({
        [SNAP]: pieces.snapshot,
        [J2]: Buffer.concat([pieces.journal2, Buffer.alloc(30)]),
      });
      const logger = recordingLogger();
      expect(await state(await open(logger))).toEqual(afterBatch2);
      expect(logger.warnings).toHaveLength(1);
    });

    it('is dropped even when whole but missing its newline (it was never acknowledged)', async () => {
      await build({
        [J1]: `${pieces.journal1.toString()}${encodeCommit([put('z')])
          .toString()
          .trimEnd()}`,
      });
      expect(await state(await open())).toEqual(afterBatch1);
    });
  });

  describe('a torn tail of several lines (a power cut during a group commit)', () => {
    it('drops every invalid line after the last valid one, says what it dropped, and cuts them off', async () => {
      const whole = encodeCommit([put('y')]).toString();
      // A line that parses as JSON but lost a byte: only the checksum tells.
      const garbled = whole.replace('"y"', '"x"');
      const tail = `${garbled}\0\0\0\0\n${'\0'.repeat(100)}\n${whole.slice(0, 20)}`;
      await build({ [SNAP]: pieces.snapshot, [J2]: `${pieces.journal2.toString()}${tail}` });
      const logger = recordingLogger();
      const store = await open(logger);
      expect(await state(store)).toEqual(afterBatch2);
      expect(logger.warnings).toHaveLength(1);
      expect(logger.warnings[0]).toContain(J2);
      expect(logger.warnings[0]).toContain('"line":3');
      expect(logger.warnings[0]).toContain('"droppedLines":4');
      expect(logger.warnings[0]).toContain(`"droppedBytes":${Buffer.byteLength(tail)}`);
      expect(await readFile(join(tmp.dir, J2))).toEqual(pieces.journal2);
      await store.commit([put('d')]);
      await store.close();
      expect((await state(await open())).ids).toEqual(['b', 'c', 'd']);
    });

    it('drops a zero-filled tail that spans whole lines', async () => {
      // The file grew, but its last blocks never reached the disk.
      const lines = pieces.journal1.toString().split('\n');
      const first = `${lines[0]}\n`;
      const zeroed = Buffer.alloc(pieces.journal1.length - first.length + 4096);
      zeroed[200] = 0x0a;
      await build({ [J1]: Buffer.concat([Buffer.from(first), zeroed]) });
      const logger = recordingLogger();
      expect((await state(await open(logger))).ids).toEqual(['a', 'b']);
      expect(logger.warnings[0]).toContain('"droppedLines":2');
    });
  });

  describe('journals of earlier releases (lines without a checksum)', () => {
    const legacy = readFile(
      new URL('./test-support/fixtures/legacy-journal-00000001.jsonl', import.meta.url),
    );
    const legacyState = {
      ids: ['a', 'c'],
      categories: { mail: { weight: 2 } },
    };

    it('are replayed, and new checksummed lines are appended after them', async () => {
      await build({ [J1]: await legacy });
      const store = await open();
      expect(await state(store)).toEqual(legacyState);
      // Given back as written: records of earlier releases have no `node` and
      // no flow fields, no priority and no schedule (the backend reads them as null, [], 0 and null).
      const {
        node: _node,
        priority: _priority,
        flowId: _flowId,
        flowRole: _flowRole,
        parents: _parents,
        trigger: _trigger,
        schedule: _schedule,
        ...legacyRecord
      } = makeJob('a', { state: 'running', attempts: 1 });
      expect((await store.load()).jobs[0]).toEqual(legacyRecord);
      await store.commit([put('d')]);
      await store.close();
      const text = (await readFile(join(tmp.dir, J1), 'utf8')).trimEnd().split('\n');
      expect(text.at(-1)).toMatch(/^[0-9a-f]{8} \[/);
      expect((await state(await open())).ids).toEqual(['a', 'c', 'd']);
    });

    it('lose a torn tail of several lines like any other', async () => {
      const torn = `${(await legacy).toString()}[{"op":"put"}\n\0\0\n[{"op":`;
      await build({ [J1]: torn });
      const logger = recordingLogger();
      expect(await state(await open(logger))).toEqual(legacyState);
      expect(logger.warnings[0]).toContain('"line":5');
      expect(logger.warnings[0]).toContain('"droppedLines":3');
      expect(await readFile(join(tmp.dir, J1))).toEqual(await legacy);
    });

    it('are damaged when an invalid line comes before a valid one', async () => {
      const lines = (await legacy).toString().split('\n');
      lines[1] = lines[1]?.slice(0, 10) ?? '';
      await build({ [J1]: lines.join('\n') });
      await expectCorrupt(J1, 2, /bad JSON.*yet a valid record follows at line 3/);
    });
  });

  describe('damage', () => {
    it('a bad line in the middle of the journal', async () => {
      const lines = pieces.journal1.toString().split('\n');
      await build({ [J1]: `${lines[0]}\n{"op":\n${lines[1]}\n` });
      await expectCorrupt(J1, 2, /not a journal record/);
    });

    it('a line whose checksum fails, followed by a valid one', async () => {
      const lines = pieces.journal1.toString().split('\n');
      const garbled = lines[0]?.replace('"a"', '"q"');
      await build({ [J1]: `${garbled}\n${lines[1]}\n` });
      await expectCorrupt(J1, 1, /checksum mismatch, yet a valid record follows at line 2/);
    });

    it('zeros in the middle of the journal, followed by valid lines', async () => {
      const lines = pieces.journal1.toString().split('\n');
      await build({ [J1]: `${lines[0]}\n\0\0\0\0\n\0\0\n${lines[1]}\n` });
      await expectCorrupt(J1, 2, /zero bytes, yet a valid record follows at line 4/);
    });

    it('an unknown op', async () => {
      await build({ [J1]: `${pieces.journal1.toString()}[{"op":"explode","id":"a"}]\n[]\n` });
      await expectCorrupt(J1, 3, /unknown mutation op "explode"/);
    });

    it('an unknown op even on the last line (it parsed, so it was not torn)', async () => {
      await build({ [J1]: `${pieces.journal1.toString()}[{"op":"explode"}]\n` });
      await expectCorrupt(J1, 3, /unknown mutation op/);
    });

    it('a torn line in a segment that is not the last', async () => {
      await build({ [J1]: `${pieces.journal1.toString()}[{"op":`, [J2]: pieces.journal2 });
      await expectCorrupt(J1, 3, /bad JSON.*in a segment before the last/);
    });

    it('a missing segment', async () => {
      await build({ [J2]: pieces.journal2 });
      await expectCorrupt(J1, null, /journal segment 1 is missing/);
    });

    it('a gap between segments', async () => {
      await build({ [J1]: pieces.journal1, 'journal-00000003.jsonl': pieces.journal2 });
      await expectCorrupt(J2, null, /journal segment 2 is missing/);
    });

    it('a truncated snapshot', async () => {
      await build({ [SNAP]: pieces.snapshot, [J2]: pieces.journal2 });
      // Cut inside its closing lines: the last job line (3) loses its newline.
      await truncate(join(tmp.dir, SNAP), pieces.snapshot.length - 4);
      await expectCorrupt(SNAP, 3, /ends in the middle of a line/);
    });

    it('a snapshot cut right after a job line', async () => {
      const lines = pieces.snapshot.toString().split('\n');
      await build({ [SNAP]: `${lines.slice(0, 2).join('\n')}\n`, [J2]: pieces.journal2 });
      await expectCorrupt(SNAP, null, /ends before its closing line/);
    });

    it('bad JSON in a snapshot job', async () => {
      const text = pieces.snapshot.toString().replace('{"id":"b"', '{"id":b"');
      await build({ [SNAP]: text, [J2]: pieces.journal2 });
      await expectCorrupt(SNAP, 3, /bad JSON/);
    });

    it('a snapshot that is not one', async () => {
      await build({ [SNAP]: '{"hello":"world"}\n' });
      await expectCorrupt(SNAP, 1, /not a cadre snapshot/);
    });
  });

  describe('updates (only the fields that changed)', () => {
    const T0 = Date.parse('2026-01-01T00:00:00.000Z');
    const a = makeJob('a');
    const b = makeJob('b', { maxRetries: 0 });
    const aRunning = transition(a, { type: 'start', node: 'n1' }, T0 + 10);
    const bRunning = transition(b, { type: 'start', node: 'n1' }, T0 + 10);
    // Long enough to be journalled from its text (records.ts).
    const value = { echoed: 'héllo ✓', n: [1, 2], pad: 'x'.repeat(120) };
    const aDone = transition(
      aRunning,
      { type: 'settle', outcome: { kind: 'ok', value }, retryDelayMs: 0 },
      T0 + 25,
    );
    const bFailed = transition(
      bRunning,
      { type: 'settle', outcome: { kind: 'crash', message: 'gone' }, retryDelayMs: 0 },
      T0 + 30,
    );
    const lives: Mutation[][] = [
      [
        { op: 'put', job: a },
        { op: 'put', job: b },
      ],
      [
        { op: 'update', prev: a, job: aRunning },
        { op: 'update', prev: b, job: bRunning },
      ],
      [
        { op: 'update', prev: aRunning, job: aDone, resultJson: JSON.stringify(value) },
        { op: 'update', prev: bRunning, job: bFailed },
      ],
    ];
    const asPuts = lives.map((commit) =>
      commit.map((m): Mutation => (m.op === 'update' ? { op: 'put', job: m.job } : m)),
    );
    const jobs = async (store: LowdbStore): Promise<Job[]> => (await store.load()).jobs;

    it('replay to the very records whole puts give', async () => {
      const other = await makeTmpDir();
      try {
        for (const [dir, commits] of [
          [tmp.dir, lives],
          [other.dir, asPuts],
        ] as const) {
          const store = await openLowdbStore({ dir });
          await commitAll(store, commits);
          await store.close();
        }
        const fromUpdates = await open();
        const fromPuts = await openLowdbStore({ dir: other.dir });
        opened.push(fromPuts);
        expect(await jobs(fromUpdates)).toEqual([aDone, bFailed]);
        expect(await jobs(fromUpdates)).toEqual(await jobs(fromPuts));
        // And the journal of updates is the smaller: no input after the submission.
        const sizes = [
          (await readFile(join(tmp.dir, J1))).length,
          (await readFile(join(other.dir, J1))).length,
        ];
        expect(sizes[0]).toBeLessThan(sizes[1]! * 0.6);
      } finally {
        await other.remove();
      }
    });

    it('apply after a snapshot to the records it holds', async () => {
      const store = await openLowdbStore({ dir: tmp.dir });
      await commitAll(store, lives.slice(0, 2));
      await store.compact();
      await commitAll(store, lives.slice(2));
      await store.close();
      expect((await readdir(tmp.dir)).sort()).toEqual([J2, SNAP]);
      expect(await jobs(await open())).toEqual([aDone, bFailed]);
    });

    it('lose a commit cut anywhere in its line by a kill -9, and nothing before it', async () => {
      const source = await makeTmpDir();
      const store = await openLowdbStore({ dir: source.dir });
      await commitAll(store, lives);
      await store.close();
      const whole = await readFile(join(source.dir, J1));
      await source.remove();
      const ends = [...whole.entries()].filter(([, byte]) => byte === 0x0a).map(([i]) => i + 1);
      const [, second, third] = ends as [number, number, number];
      // Every cut inside the last line leaves the state after the second commit;
      // a cut inside the second line, the state after the first.
      for (let cut = second + 1; cut < third; cut += 7) {
        await build({ [J1]: whole.subarray(0, cut) });
        const logger = recordingLogger();
        const reopened = await open(logger);
        expect(await jobs(reopened), `cut at byte ${cut}`).toEqual([aRunning, bRunning]);
        expect(logger.warnings).toHaveLength(1);
        await reopened.close();
        opened.pop();
        expect(await readFile(join(tmp.dir, J1))).toEqual(whole.subarray(0, second));
      }
      await build({ [J1]: whole.subarray(0, second - 5) });
      expect(await jobs(await open())).toEqual([a, b]);
    });

    it('skip a job no longer there (retention deleted it)', async () => {
      const store = await openLowdbStore({ dir: tmp.dir });
      await commitAll(store, lives.slice(0, 2));
      await store.commit([{ op: 'delete', id: 'a' }]);
      await commitAll(store, lives.slice(2));
      await store.close();
      expect(await jobs(await open())).toEqual([bFailed]);
    });

    it('are damage when they name a field a record does not have', async () => {
      const line = `[{"op":"update","id":"z","colour":"red"}]`;
      await build({
        [J1]: `${pieces.journal1.toString()}${line}\n${encodeCommit([put('y')]).toString()}`,
      });
      await expectCorrupt(J1, 3, /job delta 'z' has an unknown field "colour"/);
    });
  });

  it('leaves a damaged store usable once repaired by hand', async () => {
    await build({ [J1]: `${pieces.journal1.toString()}[{"op":"explode"}]\n` });
    await expect(openLowdbStore({ dir: tmp.dir })).rejects.toThrow(/explode/);
    await rm(join(tmp.dir, J1));
    await cp(join(work.dir, J2), join(tmp.dir, J1));
    expect((await state(await open())).ids).toEqual(['c']);
  });
});
