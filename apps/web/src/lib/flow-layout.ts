/**
 * Where the flow view draws each job of a flow, and the lines between them.
 *
 * A chain is a line of steps left to right, wrapped into rows when it is
 * wider than the view. A group is its members stacked in a column with a
 * fan-in to the chord callback (beside them, or under them in a narrow
 * view); past `FULL_MEMBERS` members, each member is a small tile of a grid
 * and the fan-in is one bundled edge, so a group of 1,000 stays a few
 * hundred pixels tall and draws one line, not 1,000.
 * Every other callback hangs under its parent (`parents[0]`), indented by its
 * depth like a tree view, captioned by what fires it.
 *
 * Positions depend only on the flow's shape (ids, parents, triggers), never
 * on states: a flow polled every second keeps every node where it was.
 */
import type { Job } from '@cadre/client';

/** What the layout reads of a job. */
export type FlowJob = Pick<Job, 'id' | 'parents' | 'trigger'>;

/** What the layout reads of a flow. */
export interface FlowShape {
  kind: 'chain' | 'group';
  jobs: readonly FlowJob[];
  callback: FlowJob | null;
  callbacks: readonly FlowJob[];
}

export interface LayoutOptions {
  /** The width to fit in: a chain wraps and a big group's grid narrows to it. @defaultValue 1100 */
  maxWidth?: number;
}

export type NodeRole = 'step' | 'member' | 'chord' | 'callback';

export interface LaidNode {
  id: string;
  role: NodeRole;
  /** "step 2", "member 5", "chord", "on success", "on error". */
  caption: string;
  /** A tile of a big group's grid: too small for words, its caption goes in its title. */
  compact: boolean;
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * `next`: a chain's step to the following one; `fan-in`: a member to the
 * chord; `bundle`: a big group's members, as one edge, to the chord;
 * `success` and `error`: a job to a callback it fires.
 */
export type EdgeKind = 'next' | 'fan-in' | 'bundle' | 'success' | 'error';

export interface LaidEdge {
  kind: EdgeKind;
  /** The job it starts from; for a bundle, the box of members. */
  from: string;
  to: string;
  /** A polyline of [x, y] points, from the parent to the callback. */
  points: [number, number][];
}

/** A frame around a grid of tiles, with its heading. */
export interface LaidBox {
  label: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface FlowLayout {
  width: number;
  height: number;
  nodes: LaidNode[];
  edges: LaidEdge[];
  boxes: LaidBox[];
}

/** Groups of up to this many members draw each member as a node with its own edge. */
export const FULL_MEMBERS = 12;

export const NODE_W = 184;
export const NODE_H = 52;
/** Around the drawing; more than half of GAP_X, for a wrapped chain's edge to turn in. */
const PAD = 24;
/** Between a chain's steps. */
const GAP_X = 40;
/** Between a chain's rows. */
const ROW_GAP = 36;
/** Between nodes stacked in a column. */
const GAP_Y = 14;
/** A callback's step to the right of its parent. */
const INDENT = 24;
/** Between the members and the chord: room for the fan-in. */
const FAN_GAP = 72;
export const TILE = 14;
const TILE_GAP = 4;
const BOX_PAD = 10;
/** A box's heading, above its tiles. */
const BOX_HEAD = 22;
/** Between a box and the box under it. */
const BOX_GAP = 20;
const DEFAULT_MAX_WIDTH = 1100;
/** A bundled edge stops this far short of the chord: its arrowhead, wider than the line, fills the gap. */
export const BUNDLE_ARROW = 14;

/** A main job (step, member or chord) with the callbacks hanging under it, in order. */
interface Block {
  job: FlowJob;
  /** Its callbacks at any depth, depth first, each with its depth (1 = its own callback). */
  hanging: { job: FlowJob; depth: number }[];
  w: number;
  h: number;
}

export function layoutFlow(flow: FlowShape, options: LayoutOptions = {}): FlowLayout {
  const maxWidth = Math.max(options.maxWidth ?? DEFAULT_MAX_WIDTH, NODE_W + 2 * PAD);
  const hang = hangCallbacks(flow);
  const out: FlowLayout = { width: 0, height: 0, nodes: [], edges: [], boxes: [] };
  if (flow.kind === 'chain') layoutChain(flow, hang, maxWidth, out);
  else if (flow.jobs.length <= FULL_MEMBERS) layoutSmallGroup(flow, hang, maxWidth, out);
  else layoutBigGroup(flow, hang, maxWidth, out);
  // Callbacks whose parent is not in the flow (not expected): still shown, in a column at the end.
  const loose = flow.callbacks.filter((c) => !hang.placed.has(c.id));
  if (loose.length > 0) {
    const right = [...out.nodes, ...out.boxes].reduce((r, n) => Math.max(r, n.x + n.w), 0);
    const x = right === 0 ? PAD : right + GAP_X;
    loose.forEach((job, i) =>
      out.nodes.push(node(job, 'callback', caption(job), x, PAD + i * (NODE_H + GAP_Y))),
    );
  }
  for (const n of out.nodes) {
    out.width = Math.max(out.width, n.x + n.w + PAD);
    out.height = Math.max(out.height, n.y + n.h + PAD);
  }
  for (const b of out.boxes) {
    out.width = Math.max(out.width, b.x + b.w + PAD);
    out.height = Math.max(out.height, b.y + b.h + PAD);
  }
  for (const e of out.edges) {
    for (const [x, y] of e.points) {
      out.width = Math.max(out.width, x + PAD / 2);
      out.height = Math.max(out.height, y + PAD / 2);
    }
  }
  return out;
}

interface Hang {
  /** The callbacks whose parent is this job. */
  children: Map<string, FlowJob[]>;
  /** Callbacks reached from a main job. */
  placed: Set<string>;
}

function hangCallbacks(flow: FlowShape): Hang {
  const children = new Map<string, FlowJob[]>();
  for (const c of flow.callbacks) {
    const parent = c.parents[0];
    if (parent === undefined) continue;
    const list = children.get(parent);
    if (list) list.push(c);
    else children.set(parent, [c]);
  }
  return { children, placed: new Set() };
}

function block(job: FlowJob, hang: Hang): Block {
  const hanging: Block['hanging'] = [];
  // Depth first, with an explicit stack: callbacks nest at any depth.
  const stack = [...(hang.children.get(job.id) ?? [])].reverse().map((j) => ({ job: j, depth: 1 }));
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (hang.placed.has(next.job.id)) continue;
    hang.placed.add(next.job.id);
    hanging.push(next);
    const kids = hang.children.get(next.job.id) ?? [];
    for (let i = kids.length - 1; i >= 0; i--) stack.push({ job: kids[i]!, depth: next.depth + 1 });
  }
  const depth = hanging.reduce((d, h) => Math.max(d, h.depth), 0);
  return {
    job,
    hanging,
    w: NODE_W + depth * INDENT,
    h: NODE_H + hanging.length * (NODE_H + GAP_Y),
  };
}

/** Places a block's root at (x, y) and its callbacks under it, with their edges. */
function placeBlock(
  b: Block,
  role: NodeRole,
  label: string,
  x: number,
  y: number,
  out: FlowLayout,
) {
  const root = node(b.job, role, label, x, y);
  out.nodes.push(root);
  // The last node placed at each depth: a callback's parent is the one just above it, one level up.
  const at: LaidNode[] = [root];
  // Where each parent's stem has been drawn down to: a later callback's edge starts there, so
  // that siblings share no stroke (an error callback's dashes never cover a success callback's line).
  const stemEnd = new Map<string, number>();
  b.hanging.forEach(({ job, depth }, i) => {
    const child = node(
      job,
      'callback',
      caption(job),
      x + depth * INDENT,
      y + (i + 1) * (NODE_H + GAP_Y),
    );
    out.nodes.push(child);
    at[depth] = child;
    const parent = at[depth - 1] ?? root;
    const stem = parent.x + INDENT / 2;
    const mid = child.y + NODE_H / 2;
    out.edges.push({
      kind: job.trigger?.on === 'error' ? 'error' : 'success',
      from: parent.id,
      to: child.id,
      points: [
        [stem, stemEnd.get(parent.id) ?? parent.y + NODE_H],
        [stem, mid],
        [child.x, mid],
      ],
    });
    stemEnd.set(parent.id, mid);
  });
  return root;
}

function layoutChain(flow: FlowShape, hang: Hang, maxWidth: number, out: FlowLayout) {
  const blocks = flow.jobs.map((j) => block(j, hang));
  // Rows first, so that each row's top is known before its steps are placed.
  const places: { x: number; row: number }[] = [];
  const rowHeights: number[] = [0];
  let x = PAD;
  for (const b of blocks) {
    // A wrapped edge turns down half a gap right of the row's last block: PAD keeps it inside.
    if (x > PAD && x + b.w + PAD > maxWidth) {
      rowHeights.push(0);
      x = PAD;
    }
    const row = rowHeights.length - 1;
    places.push({ x, row });
    rowHeights[row] = Math.max(rowHeights[row]!, b.h);
    x += b.w + GAP_X;
  }
  const rowY: number[] = [];
  let y = PAD;
  for (const h of rowHeights) {
    rowY.push(y);
    y += h + ROW_GAP;
  }

  let prev: { node: LaidNode; block: Block; row: number } | null = null;
  blocks.forEach((b, i) => {
    const { x: bx, row } = places[i]!;
    const laid = placeBlock(b, 'step', `step ${i + 1}`, bx, rowY[row]!, out);
    if (prev) {
      const from = prev.node;
      const mid = from.y + NODE_H / 2;
      const toMid = laid.y + NODE_H / 2;
      const points: [number, number][] =
        prev.row === row
          ? [
              [from.x + NODE_W, mid],
              [laid.x, toMid],
            ]
          : // Down past the row it leaves, back to the left margin, into the next row's first step.
            [
              [from.x + NODE_W, mid],
              [from.x + prev.block.w + GAP_X / 2, mid],
              [from.x + prev.block.w + GAP_X / 2, laid.y - ROW_GAP / 2],
              [laid.x - GAP_X / 2, laid.y - ROW_GAP / 2],
              [laid.x - GAP_X / 2, toMid],
              [laid.x, toMid],
            ];
      out.edges.push({ kind: 'next', from: from.id, to: laid.id, points });
    }
    prev = { node: laid, block: b, row };
  });
}

function layoutSmallGroup(flow: FlowShape, hang: Hang, maxWidth: number, out: FlowLayout) {
  const blocks = flow.jobs.map((j) => block(j, hang));
  const colW = blocks.reduce((w, b) => Math.max(w, b.w), NODE_W);
  let y = PAD;
  const members = blocks.map((b, i) => {
    const laid = placeBlock(b, 'member', `member ${i + 1}`, PAD, y, out);
    y += b.h + GAP_Y;
    return laid;
  });
  if (flow.callback === null) return;
  const chordBlock = block(flow.callback, hang);
  const bus = PAD + colW + FAN_GAP / 2;
  // Beside the members when it fits, else under them, the bus coming down to its right side.
  const below = PAD + colW + FAN_GAP + chordBlock.w + PAD > maxWidth;
  const chordX = below ? PAD : PAD + colW + FAN_GAP;
  const chordY = below
    ? y - GAP_Y + ROW_GAP
    : Math.round((members[0]!.y + members[members.length - 1]!.y) / 2);
  const chord = placeBlock(chordBlock, 'chord', 'chord', chordX, chordY, out);
  const chordMid = chord.y + NODE_H / 2;
  const into = below ? chordX + NODE_W : chordX;
  for (const m of members) {
    const mid = m.y + NODE_H / 2;
    out.edges.push({
      kind: 'fan-in',
      from: m.id,
      to: chord.id,
      points: [
        [m.x + NODE_W, mid],
        [bus, mid],
        [bus, chordMid],
        [into, chordMid],
      ],
    });
  }
}

/** Fewer tiles a row than this beside the chord, and the chord goes under the grid. */
const MIN_COLS_BESIDE = 16;

function layoutBigGroup(flow: FlowShape, hang: Hang, maxWidth: number, out: FlowLayout) {
  const pitch = TILE + TILE_GAP;
  const n = flow.jobs.length;
  const colsIn = (room: number) =>
    Math.max(1, Math.floor((room - 2 * PAD - 2 * BOX_PAD + TILE_GAP) / pitch));
  // Wider than tall (about 2.5 : 1 in tiles), for the page's shape.
  const wanted = Math.min(n, Math.ceil(Math.sqrt(n * 2.5)));
  const chordBlock = flow.callback === null ? null : block(flow.callback, hang);
  const beside = chordBlock === null ? 0 : colsIn(maxWidth - FAN_GAP - chordBlock.w);
  const below = chordBlock !== null && beside < Math.min(wanted, MIN_COLS_BESIDE);
  const cols = Math.min(wanted, chordBlock === null || below ? colsIn(maxWidth) : beside);
  const members = tileBox(
    `${n} members`,
    flow.jobs,
    'member',
    (_, i) => `member ${i + 1}`,
    cols,
    PAD,
    out,
  );
  let y = members.y + members.h + BOX_GAP;

  if (chordBlock !== null) {
    // Beside the grid, or under it with the bundle coming down from its middle.
    const chordX = below
      ? Math.max(PAD, Math.round(members.x + members.w / 2 - NODE_W / 2))
      : members.x + members.w + FAN_GAP;
    const chordY = below
      ? members.y + members.h + FAN_GAP / 2 + BUNDLE_ARROW
      : Math.round(members.y + members.h / 2 - NODE_H / 2);
    const chord = placeBlock(chordBlock, 'chord', 'chord', chordX, chordY, out);
    const mid = chord.y + NODE_H / 2;
    const centre = chord.x + NODE_W / 2;
    out.edges.push({
      kind: 'bundle',
      from: 'members',
      to: chord.id,
      points: below
        ? [
            [centre, members.y + members.h],
            [centre, chord.y - BUNDLE_ARROW],
          ]
        : [
            [members.x + members.w, mid],
            [chordX - BUNDLE_ARROW, mid],
          ],
    });
    if (below) y = Math.max(y, chord.y + chordBlock.h + BOX_GAP);
  }

  // Members' own callbacks (rare in a big group) go in a box of their own, captioned by their parent.
  const index = new Map(flow.jobs.map((j, i) => [j.id, i + 1]));
  const hanging = flow.jobs.flatMap((j) => block(j, hang).hanging.map((h) => h.job));
  if (hanging.length > 0) {
    const parentOf = (job: FlowJob) => {
      const at = index.get(job.parents[0] ?? '');
      return at === undefined ? 'a callback' : `member ${at}`;
    };
    tileBox(
      'callbacks of members',
      hanging,
      'callback',
      (job) => `${caption(job)} of ${parentOf(job)}`,
      cols,
      y,
      out,
    );
  }
}

/** A box of tiles, `cols` wide, at the left margin and `y`; returns the box. */
function tileBox(
  label: string,
  jobs: readonly FlowJob[],
  role: NodeRole,
  captionOf: (job: FlowJob, i: number) => string,
  cols: number,
  y: number,
  out: FlowLayout,
): LaidBox {
  const pitch = TILE + TILE_GAP;
  const rows = Math.ceil(jobs.length / cols);
  const box: LaidBox = {
    label,
    x: PAD,
    y,
    w: 2 * BOX_PAD + cols * pitch - TILE_GAP,
    h: BOX_HEAD + BOX_PAD + rows * pitch - TILE_GAP,
  };
  out.boxes.push(box);
  jobs.forEach((job, i) => {
    out.nodes.push({
      id: job.id,
      role,
      caption: captionOf(job, i),
      compact: true,
      x: box.x + BOX_PAD + (i % cols) * pitch,
      y: box.y + BOX_HEAD + Math.floor(i / cols) * pitch,
      w: TILE,
      h: TILE,
    });
  });
  return box;
}

function node(job: FlowJob, role: NodeRole, label: string, x: number, y: number): LaidNode {
  return { id: job.id, role, caption: label, compact: false, x, y, w: NODE_W, h: NODE_H };
}

/** A callback's caption: what fires it. */
function caption(job: FlowJob): string {
  return job.trigger?.on === 'error' ? 'on error' : 'on success';
}
