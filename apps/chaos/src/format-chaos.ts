/** The chaos report as plain lines for the terminal. */
import type { ChaosReport } from './run-chaos.js';

export function formatChaosReport(r: ChaosReport): string {
  const out: string[] = [];
  const f = r.verdict?.figures;
  const rounds = r.cluster
    ? `${r.cluster.nodes} nodes, ${r.rounds} rounds (${r.cluster.leaderKills} killed the leader)`
    : `${r.rounds} rounds (${r.earlyKills} killed while starting)`;
  out.push(
    `chaos${r.cluster ? ' --cluster' : ''}: seed ${r.seed}, ${rounds}, ${(r.elapsedMs / 1000).toFixed(1)} s, final drain ${(r.drainMs / 1000).toFixed(1)} s`,
  );
  if (f) {
    const rows: [string, number][] = [
      ['jobs acknowledged', f.acknowledged],
      ['requests in doubt (answer cut by a kill)', f.inDoubt],
      ['  of which stored', f.inDoubtStored],
      ['  partially stored batches', f.partialBatches],
      ['jobs stored at the end', f.stored],
      ['lost (acknowledged, not stored)', f.lost],
      ['phantom (stored, never sent)', f.phantom],
      ['not terminal at the end', f.notTerminal],
      ['executions', f.executions],
      ['re-run (executed again after a kill, not a designed retry)', f.rerun],
      ['duplicates (more than one successful execution)', f.duplicates],
      ['same attempt executed again (start not yet durable)', f.sameAttemptReruns],
      ["jobs whose lastError is 'lost'", f.lostAttempts],
    ];
    const fl = f.flows;
    const flowRows: [string, number][] = [
      ['flows acknowledged (chains, groups with a chord)', fl.acknowledged],
      ['  their jobs', fl.jobs],
      ['flow requests in doubt', fl.inDoubt],
      ['  of which stored', fl.inDoubtStored],
      ['callbacks fired (later steps, chords, error callbacks)', fl.fired],
      ['callbacks dropped (upstream)', fl.dropped],
      ['chords run', fl.chordsRun],
      ['chords dropped (a member failed)', fl.chordsDropped],
      ['error callbacks run', fl.errorCallbacksRun],
    ];
    const width = Math.max(...[...rows, ...flowRows].map(([k]) => k.length));
    for (const [k, v] of rows) out.push(`  ${k.padEnd(width)}  ${v}`);
    out.push(
      `  final states: ${Object.entries(f.states)
        .filter(([, n]) => n > 0)
        .map(([s, n]) => `${s} ${n}`)
        .join(', ')}`,
    );
    for (const [k, v] of flowRows) out.push(`  ${k.padEnd(width)}  ${v}`);
    const flowStates = Object.entries(fl.states).filter(([, n]) => n > 0);
    out.push(
      `  flows: ${fl.chains} chains, ${fl.groups} groups${flowStates.length > 0 ? '; ' : ''}${flowStates
        .map(([s, n]) => `${s} ${n}`)
        .join(', ')}`,
    );
  }
  for (const p of r.serverProblems) out.push(`SERVER PROBLEM: ${p}`);
  if (r.rejected.length > 0)
    out.push(`REJECTED (4xx) requests: ${r.rejected.length}, e.g. ${r.rejected[0]}`);
  if (r.serverErrors.length > 0)
    out.push(`5xx answers: ${r.serverErrors.length}, e.g. ${r.serverErrors[0]}`);
  for (const [kind, v] of Object.entries(r.verdict?.violations ?? {})) {
    out.push(`VIOLATION ${kind}: ${v.count}`);
    for (const e of v.examples) out.push(`    ${e}`);
  }
  out.push(r.ok ? 'chaos: all invariants hold' : `chaos: FAILED (data kept in ${r.dataDir})`);
  return out.join('\n');
}
