import { describe, expect, it } from 'vitest';
import {
  BUNDLE_ARROW,
  FULL_MEMBERS,
  NODE_H,
  NODE_W,
  layoutFlow,
  type FlowJob,
  type FlowLayout,
  type FlowShape,
  type LaidNode,
} from './flow-layout.js';

let seq = 0;
function job(parents: string[] = [], on: 'success' | 'error' | null = null): FlowJob {
  seq += 1;
  return {
    id: `j${String(seq).padStart(5, '0')}`,
    parents,
    trigger: on === null ? null : { on, pass: 'result' },
  };
}

function chain(n: number): FlowShape {
  const jobs: FlowJob[] = [];
  for (let i = 0; i < n; i++)
    jobs.push(job(i === 0 ? [] : [jobs[i - 1]!.id], i === 0 ? null : 'success'));
  return { kind: 'chain', jobs, callback: null, callbacks: [] };
}

function group(n: number, chord = true): FlowShape {
  const jobs = Array.from({ length: n }, () => job());
  const callback = chord
    ? {
        ...job(
          jobs.map((j) => j.id),
          'success',
        ),
        trigger: { on: 'success' as const, pass: 'results' as const },
      }
    : null;
  return { kind: 'group', jobs, callback, callbacks: [] };
}

function at(layout: FlowLayout, id: string): LaidNode {
  const found = layout.nodes.find((n) => n.id === id);
  if (!found) throw new Error(`no node ${id}`);
  return found;
}

/** Every node and box inside the drawing, and no two nodes overlapping. */
function expectTidy(layout: FlowLayout) {
  for (const r of [...layout.nodes, ...layout.boxes]) {
    expect(r.x).toBeGreaterThanOrEqual(0);
    expect(r.y).toBeGreaterThanOrEqual(0);
    expect(r.x + r.w).toBeLessThanOrEqual(layout.width);
    expect(r.y + r.h).toBeLessThanOrEqual(layout.height);
  }
  const sorted = [...layout.nodes].sort((a, b) => a.x - b.x);
  for (let i = 0; i < sorted.length; i++) {
    const a = sorted[i]!;
    for (let j = i + 1; j < sorted.length && sorted[j]!.x < a.x + a.w; j++) {
      const b = sorted[j]!;
      const apart = b.y >= a.y + a.h || a.y >= b.y + b.h;
      expect(apart, `${a.id} and ${b.id} overlap`).toBe(true);
    }
  }
  for (const e of layout.edges) {
    for (const [x, y] of e.points) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(layout.width);
      expect(y).toBeGreaterThanOrEqual(0);
      expect(y).toBeLessThanOrEqual(layout.height);
    }
  }
}

describe('a chain’s layout', () => {
  it('is a line of steps left to right, each joined to the next', () => {
    const flow = chain(3);
    const layout = layoutFlow(flow);
    const [a, b, c] = flow.jobs.map((j) => at(layout, j.id));
    expect([a!.caption, b!.caption, c!.caption]).toEqual(['step 1', 'step 2', 'step 3']);
    expect(a!.y).toBe(b!.y);
    expect(b!.y).toBe(c!.y);
    expect(a!.x).toBeLessThan(b!.x);
    expect(b!.x).toBeLessThan(c!.x);
    expect(layout.edges.map((e) => [e.kind, e.from, e.to])).toEqual([
      ['next', a!.id, b!.id],
      ['next', b!.id, c!.id],
    ]);
    // From the right side of one step to the left side of the next.
    expect(layout.edges[0]!.points).toEqual([
      [a!.x + NODE_W, a!.y + NODE_H / 2],
      [b!.x, b!.y + NODE_H / 2],
    ]);
    expectTidy(layout);
  });

  it('wraps into rows when wider than the view, the edge going down and back', () => {
    const flow = chain(10);
    const layout = layoutFlow(flow, { maxWidth: 800 });
    expect(layout.width).toBeLessThanOrEqual(800);
    const nodes = flow.jobs.map((j) => at(layout, j.id));
    const rows = [...new Set(nodes.map((n) => n.y))];
    expect(rows.length).toBeGreaterThan(1);
    // Row by row, left to right.
    for (let i = 1; i < nodes.length; i++) {
      const [p, n] = [nodes[i - 1]!, nodes[i]!];
      expect(n.y > p.y || (n.y === p.y && n.x > p.x)).toBe(true);
    }
    const wrapped = layout.edges.find((e) => e.points.length > 2)!;
    const to = at(layout, wrapped.to);
    expect(to.x).toBe(nodes[0]!.x);
    expect(wrapped.points.at(-1)).toEqual([to.x, to.y + NODE_H / 2]);
    expectTidy(layout);
  });

  it('fits 100 steps in the view’s width', () => {
    const layout = layoutFlow(chain(100), { maxWidth: 1200 });
    expect(layout.width).toBeLessThanOrEqual(1200);
    expect(layout.nodes).toHaveLength(100);
    expect(layout.edges).toHaveLength(99);
    expectTidy(layout);
  });

  it('hangs callbacks under their parent, at any depth, captioned by what fires them', () => {
    const flow = chain(2);
    const [first] = flow.jobs;
    const onError = job([first!.id], 'error');
    const onErrorOfErr = job([onError.id], 'success');
    const onSuccess = job([first!.id], 'success');
    flow.callbacks = [onError, onErrorOfErr, onSuccess];
    const layout = layoutFlow(flow);
    const parent = at(layout, first!.id);
    const e = at(layout, onError.id);
    const deep = at(layout, onErrorOfErr.id);
    const s = at(layout, onSuccess.id);
    expect([e.caption, deep.caption, s.caption]).toEqual(['on error', 'on success', 'on success']);
    expect(e.role).toBe('callback');
    // Under the parent, in order, indented by depth.
    expect(e.y).toBeGreaterThan(parent.y);
    expect(deep.y).toBeGreaterThan(e.y);
    expect(s.y).toBeGreaterThan(deep.y);
    expect(e.x).toBeGreaterThan(parent.x);
    expect(deep.x).toBeGreaterThan(e.x);
    expect(s.x).toBe(e.x);
    const edge = (id: string) => layout.edges.find((x) => x.to === id)!;
    expect([edge(onError.id).kind, edge(onError.id).from]).toEqual(['error', first!.id]);
    expect([edge(onErrorOfErr.id).kind, edge(onErrorOfErr.id).from]).toEqual([
      'success',
      onError.id,
    ]);
    expect([edge(onSuccess.id).kind, edge(onSuccess.id).from]).toEqual(['success', first!.id]);
    // Siblings share no stroke: the second callback's stem starts where the first one's turned.
    expect(edge(onError.id).points[0]).toEqual([parent.x + 12, parent.y + NODE_H]);
    expect(edge(onSuccess.id).points[0]).toEqual([parent.x + 12, e.y + NODE_H / 2]);
    // The next step stays on the first step's row, right of its callbacks.
    const second = at(layout, flow.jobs[1]!.id);
    expect(second.y).toBe(parent.y);
    expect(second.x).toBeGreaterThan(deep.x + deep.w);
    expectTidy(layout);
  });
});

describe('a group’s layout', () => {
  it('stacks a small group’s members in a column, each with an edge into the chord', () => {
    const flow = group(8);
    const layout = layoutFlow(flow);
    const members = flow.jobs.map((j) => at(layout, j.id));
    const chord = at(layout, flow.callback!.id);
    expect(members.map((m) => m.caption)).toEqual(
      Array.from({ length: 8 }, (_, i) => `member ${i + 1}`),
    );
    expect(new Set(members.map((m) => m.x)).size).toBe(1);
    expect(members.every((m) => !m.compact)).toBe(true);
    expect([chord.caption, chord.role]).toEqual(['chord', 'chord']);
    expect(chord.x).toBeGreaterThan(members[0]!.x + NODE_W);
    // Centred on the column.
    expect(chord.y).toBeGreaterThan(members[0]!.y);
    expect(chord.y).toBeLessThan(members[7]!.y);
    const fanIn = layout.edges.filter((e) => e.kind === 'fan-in');
    expect(fanIn.map((e) => e.from)).toEqual(flow.jobs.map((j) => j.id));
    for (const e of fanIn) expect(e.points.at(-1)).toEqual([chord.x, chord.y + NODE_H / 2]);
    expectTidy(layout);
  });

  it('puts the chord under the members when the view is too narrow for it beside them', () => {
    const flow = group(4);
    const layout = layoutFlow(flow, { maxWidth: 330 });
    expect(layout.width).toBeLessThanOrEqual(330);
    const last = at(layout, flow.jobs[3]!.id);
    const chord = at(layout, flow.callback!.id);
    expect(chord.y).toBeGreaterThan(last.y + NODE_H);
    // Into its right side, from the bus that runs down the members' right.
    for (const e of layout.edges) {
      expect(e.points.at(-1)).toEqual([chord.x + NODE_W, chord.y + NODE_H / 2]);
    }
    expectTidy(layout);
  });

  it('draws a group without a chord as its members alone', () => {
    const layout = layoutFlow(group(3, false));
    expect(layout.nodes.map((n) => n.role)).toEqual(['member', 'member', 'member']);
    expect(layout.edges).toEqual([]);
    expectTidy(layout);
  });

  it.each([FULL_MEMBERS + 1, 200, 1000])(
    'draws %i members as a grid of tiles with one bundled edge into the chord',
    (n) => {
      const flow = group(n);
      const layout = layoutFlow(flow, { maxWidth: 1100 });
      expect(layout.width).toBeLessThanOrEqual(1100);
      const tiles = layout.nodes.filter((x) => x.role === 'member');
      expect(tiles).toHaveLength(n);
      expect(tiles.every((t) => t.compact)).toBe(true);
      expect(tiles[41 % n]!.caption).toBe(`member ${(41 % n) + 1}`);
      expect(layout.boxes).toEqual([expect.objectContaining({ label: `${n} members` })]);
      const box = layout.boxes[0]!;
      for (const t of tiles) {
        expect(t.x).toBeGreaterThanOrEqual(box.x);
        expect(t.x + t.w).toBeLessThanOrEqual(box.x + box.w);
        expect(t.y).toBeGreaterThanOrEqual(box.y);
        expect(t.y + t.h).toBeLessThanOrEqual(box.y + box.h);
      }
      const chord = at(layout, flow.callback!.id);
      expect(chord.compact).toBe(false);
      expect(layout.edges).toEqual([
        {
          kind: 'bundle',
          from: 'members',
          to: chord.id,
          points: [
            [box.x + box.w, chord.y + NODE_H / 2],
            [chord.x - BUNDLE_ARROW, chord.y + NODE_H / 2],
          ],
        },
      ]);
      // Wider than tall, and not a long strip either.
      if (n >= 200) {
        expect(box.w).toBeGreaterThan(box.h);
        expect(box.w).toBeLessThan(box.h * 4);
      }
      expectTidy(layout);
    },
  );

  it('puts a big group’s chord under its grid in a narrow view, the bundle coming down', () => {
    const flow = group(200);
    const layout = layoutFlow(flow, { maxWidth: 330 });
    expect(layout.width).toBeLessThanOrEqual(330);
    const box = layout.boxes[0]!;
    const chord = at(layout, flow.callback!.id);
    expect(chord.y).toBeGreaterThan(box.y + box.h);
    expect(box.w).toBeGreaterThan(200);
    const [bundle] = layout.edges;
    expect(bundle!.points).toEqual([
      [chord.x + NODE_W / 2, box.y + box.h],
      [chord.x + NODE_W / 2, chord.y - BUNDLE_ARROW],
    ]);
    expectTidy(layout);
  });

  it('puts a big group’s member callbacks in a box of their own, captioned by their parent', () => {
    const flow = group(50);
    const cb = job([flow.jobs[4]!.id], 'error');
    const chordCb = job([flow.callback!.id], 'success');
    flow.callbacks = [cb, chordCb];
    const layout = layoutFlow(flow);
    expect(layout.boxes.map((b) => b.label)).toEqual(['50 members', 'callbacks of members']);
    expect(at(layout, cb.id)).toMatchObject({ compact: true, caption: 'on error of member 5' });
    expect(at(layout, cb.id).y).toBeGreaterThan(layout.boxes[0]!.y + layout.boxes[0]!.h);
    // The chord's own callbacks hang under it, as in a chain.
    const chord = at(layout, flow.callback!.id);
    expect(at(layout, chordCb.id)).toMatchObject({
      compact: false,
      caption: 'on success',
      x: chord.x + 24,
    });
    expectTidy(layout);
  });

  it('keeps every node where it was as the flow’s states change', () => {
    const flow = group(8);
    const again = { ...flow, jobs: flow.jobs.map((j) => ({ ...j, state: 'succeeded' })) };
    expect(layoutFlow(again)).toEqual(layoutFlow(flow));
  });
});

it('still shows a callback whose parent is not in the flow', () => {
  const flow = chain(2);
  const stray = job(['elsewhere'], 'success');
  flow.callbacks = [stray];
  const layout = layoutFlow(flow);
  expect(at(layout, stray.id).role).toBe('callback');
  expectTidy(layout);
});
