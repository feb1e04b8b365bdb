import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { isCadreError, transition, type Job, type Json } from '@cadre/core';
import { applyJobDelta, type JobDelta } from './job-delta.js';
import type { Mutation } from './job-store.js';
import {
  commitProblem,
  decodeCommitLine,
  decodeSnapshotHeader,
  encodeCommit,
  encodeSnapshotHeader,
  journalRecordProblem,
  type JournalEntry,
} from './records.js';
import { makeJob } from './test-support/jobs.js';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const queued = makeJob('a');
const running = transition(queued, { type: 'start', node: 'n1' }, T0 + 10);
const succeed = (value: Json): Job =>
  transition(running, { type: 'settle', outcome: { kind: 'ok', value }, retryDelayMs: 0 }, T0 + 30);

/** The entries a line holds, after checking it is whole and valid. */
function entriesOf(line: Buffer): JournalEntry[] {
  expect(line.at(-1)).toBe(0x0a);
  const decoded = decodeCommitLine(line.subarray(0, -1));
  if ('invalid' in decoded) throw new Error(decoded.invalid);
  expect(journalRecordProblem(decoded.value)).toBeNull();
  return decoded.value as JournalEntry[];
}

/** Replays `line` onto `prev` as recovery would. */
function replayOnto(prev: Job, line: Buffer): Job {
  let job = prev;
  for (const entry of entriesOf(line)) {
    if (entry.op === 'update') job = applyJobDelta(job, entry as JobDelta);
    else if (entry.op === 'put') job = entry.job;
  }
  return job;
}

describe('encodeCommit', () => {
  it('writes an update as the fields that changed, without the input', () => {
    const line = encodeCommit([{ op: 'update', prev: queued, job: running }]);
    const text = line.toString();
    expect(text).toMatch(
      /^[0-9a-f]{8} \[\{"op":"update","id":"a","state":"running","attempts":1,"node":"n1","startedAt":1767225600010\}\]\n$/,
    );
    expect(replayOnto(queued, line)).toEqual(running);
  });

  it('writes puts exactly as earlier releases did (the array of mutations, as JSON)', () => {
    const mutations: Mutation[] = [
      { op: 'put', job: queued },
      { op: 'delete', id: 'b' },
      { op: 'category', name: 'mail', override: { weight: 2 } },
    ];
    const json = JSON.stringify(mutations);
    const line = encodeCommit(mutations);
    expect(line.toString()).toBe(
      `${crc32(Buffer.from(json)).toString(16).padStart(8, '0')} ${json}\n`,
    );
  });

  // Results this long are written from their text (shorter ones are cheaper to serialise).
  const PAD = 'x'.repeat(120);

  it('writes a result handed over as JSON text as that very text, under the checksum', () => {
    const value = { text: 'héllo ✓ "quoted" \\ back', list: [1, 2.5, null, true], pad: PAD };
    // Spaced differently from JSON.stringify: proof that the text itself was written.
    const resultJson = `{"text":"héllo ✓ \\"quoted\\" \\\\ back",  "list":[1,2.5,null,true],"pad":"${PAD}"}`;
    const done = succeed(value);
    const line = encodeCommit([{ op: 'update', prev: running, job: done, resultJson }]);
    expect(line.toString()).toContain(`,"result":${resultJson}}]`);
    expect(entriesOf(line)).toEqual([
      {
        op: 'update',
        id: 'a',
        state: 'succeeded',
        durationMs: 20,
        progress: 100,
        finishedAt: T0 + 30,
        result: value,
      },
    ]);
    expect(replayOnto(running, line)).toEqual(done);
  });

  it('keeps the order of a commit that mixes results written as text with other entries', () => {
    const lives = ['p', 'q', 'r', 's'].map((id) => {
      const q = makeJob(id);
      const r = transition(q, { type: 'start', node: 'n1' }, T0 + 10);
      const value = { id, pad: PAD };
      const ok = { kind: 'ok', value } as const;
      const d = transition(r, { type: 'settle', outcome: ok, retryDelayMs: 0 }, T0 + 30);
      return { q, r, d, text: JSON.stringify(value) };
    });
    const [p, q, r, s] = lives as [
      (typeof lives)[0],
      (typeof lives)[0],
      (typeof lives)[0],
      (typeof lives)[0],
    ];
    const mutations: Mutation[] = [
      { op: 'put', job: p.q },
      { op: 'update', prev: q.r, job: q.d, resultJson: q.text },
      { op: 'update', prev: r.r, job: r.d, resultJson: r.text },
      { op: 'delete', id: 'gone' },
      { op: 'update', prev: p.q, job: p.r },
      { op: 'update', prev: s.r, job: s.d, resultJson: s.text },
      { op: 'category', name: 'mail', override: { weight: 2 } },
    ];
    const entries = entriesOf(encodeCommit(mutations));
    expect(
      entries.map((e) => [
        e.op,
        'id' in e ? e.id : 'name' in e ? e.name : 'job' in e ? e.job.id : e.op,
      ]),
    ).toEqual([
      ['put', 'p'],
      ['update', 'q'],
      ['update', 'r'],
      ['delete', 'gone'],
      ['update', 'p'],
      ['update', 's'],
      ['category', 'mail'],
    ]);
    expect(entries[1]).toMatchObject({ state: 'succeeded', result: { id: 'q', pad: PAD } });
    expect(entries[5]).toMatchObject({ state: 'succeeded', result: { id: 's', pad: PAD } });
  });

  it.each([
    ['text spread over lines', `{\n  "n": 1, "pad": "${PAD}"\n}`],
    ['text that is not a JSON value', `undefined${' '.repeat(130)}`],
    ['text cut short', `{"n":1,"pad":"${PAD}`],
    ['a list cut short', `[1, 2, "${PAD}"`],
    ['a string cut short', `"${PAD}${PAD}`],
    ['empty text', ''],
  ])('serialises the value instead of %s', (_, resultJson) => {
    const done = succeed({ n: 1 });
    const line = encodeCommit([{ op: 'update', prev: running, job: done, resultJson }]);
    expect(line.toString()).toContain(',"result":{"n":1}}]');
    expect(replayOnto(running, line)).toEqual(done);
  });

  it('serialises a short result rather than splice its text in (cheaper)', () => {
    const done = succeed({ n: 1 });
    const line = encodeCommit([
      { op: 'update', prev: running, job: done, resultJson: '{ "n": 1 }' },
    ]);
    expect(line.toString()).toContain(',"result":{"n":1}}]');
  });

  it('leaves out a result that did not change, even when handed over as text', () => {
    const done = succeed(null);
    const line = encodeCommit([{ op: 'update', prev: running, job: done, resultJson: 'null' }]);
    expect(line.toString()).not.toContain('"result"');
    expect(replayOnto(running, line)).toEqual(done);
  });

  it('refuses a result JSON cannot hold, with ERR_VALIDATION', () => {
    const done = succeed({ n: 10n } as unknown as Json);
    let err: unknown;
    try {
      encodeCommit([{ op: 'update', prev: running, job: done }]);
    } catch (e) {
      err = e;
    }
    expect(isCadreError(err) && err.code).toBe('ERR_VALIDATION');
  });
});

describe('commitProblem', () => {
  it('wants an update to name the record it replaces, under the same id', () => {
    const ok: Mutation = { op: 'update', prev: queued, job: running };
    expect(commitProblem([ok])).toBeNull();
    const missing = { op: 'update', job: running } as unknown as Mutation;
    expect(commitProblem([missing])).toMatch(/needs the record it replaces/);
    expect(commitProblem([{ op: 'update', prev: makeJob('b'), job: running }])).toMatch(
      /needs the record it replaces, same id/,
    );
    const badText = {
      op: 'update',
      prev: queued,
      job: running,
      resultJson: 5,
    } as unknown as Mutation;
    expect(commitProblem([badText])).toMatch(/resultJson that is not a string/);
    expect(commitProblem([{ op: 'update', prev: queued, job: { ...running, id: '' } }])).toMatch(
      /non-empty string id/,
    );
  });
});

describe('journalRecordProblem', () => {
  it('checks an update entry as a delta', () => {
    expect(journalRecordProblem([{ op: 'update', id: 'a', state: 'running' }])).toBeNull();
    expect(journalRecordProblem([{ op: 'update', id: 'a', colour: 'red' }])).toMatch(
      /unknown field "colour"/,
    );
    expect(journalRecordProblem([{ op: 'update', state: 'running' }])).toMatch(
      /non-empty string id/,
    );
  });
});

describe('schedules and observers in the journal and the snapshot header', () => {
  it('checks their entries', () => {
    expect(journalRecordProblem([{ op: 'schedule', name: 's', schedule: null }])).toBeNull();
    expect(journalRecordProblem([{ op: 'schedule', name: 's', schedule: 3 }])).toMatch(
      /'schedule' mutation needs/,
    );
    expect(journalRecordProblem([{ op: 'observer', observer: {} }])).toMatch(
      /'observer' mutation needs/,
    );
    expect(journalRecordProblem([{ op: 'observation', result: { count: 1 } }])).toMatch(
      /'observation' mutation needs/,
    );
  });

  it('reads a header of a release before them as holding none', () => {
    const old =
      '{"format":"cadre-snapshot","version":1,"seq":3,"categories":{"mail":{"weight":2}},"jobs":[';
    expect(decodeSnapshotHeader(old)).toEqual({
      seq: 3,
      categories: { mail: { weight: 2 } },
      schedules: {},
      observers: {},
      observations: {},
      history: {},
    });
  });

  it('writes them in the header and reads them back', () => {
    const header = {
      seq: 1,
      categories: {},
      schedules: { s: { name: 's' } as never },
      observers: {},
      observations: { o: [{ name: 'o', at: 'x', count: 0, ids: [] }] },
      history: {
        [`60000\u0000mail`]: {
          minute: 60_000,
          category: 'mail',
          succeeded: 1,
          failed: 0,
          wait: [3, 1],
          run: [],
        },
      },
    };
    const line = encodeSnapshotHeader(header).trimEnd();
    expect(decodeSnapshotHeader(line)).toEqual(header);
    const bad = encodeSnapshotHeader({ ...header, observations: { o: {} as never } }).trimEnd();
    expect(decodeSnapshotHeader(bad)).toMatch(/observations entry 'o' is malformed/);
    const badHistory = encodeSnapshotHeader({ ...header, history: { x: [] as never } }).trimEnd();
    expect(decodeSnapshotHeader(badHistory)).toMatch(/history entry 'x' is malformed/);
  });
});
