/** The soak report as a Markdown table (readable as plain text too) and a verdict. */
import type { SoakReport } from './run-soak.js';

const mib = (b: number): string => (b / 1024 / 1024).toFixed(1);

export function formatSoakReport(r: SoakReport): string {
  const out: string[] = [];
  out.push(`# cadre soak: ${r.minutes} min at ${r.targetRate} jobs/s`);
  out.push('');
  out.push(
    `Capacity (echo/sleep mix, unlimited): ${r.capacity.toFixed(0)} jobs/s; target: half, ` +
      `${r.targetRate} jobs/s; samples every ${(r.sampleMs / 1000).toFixed(0)} s; ` +
      `${r.submitted} jobs submitted, ${r.submitErrors} failed requests.`,
  );
  out.push('');
  out.push(
    '| t (s) | jobs/s | backlog | RSS (MiB) | heap used (MiB) | lag p99 (ms) | lag max (ms) | journal (MiB) | compactions |',
  );
  out.push('|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const s of r.samples) {
    out.push(
      `| ${(s.atMs / 1000).toFixed(0)} | ${s.throughput.toFixed(0)} | ${s.backlog} | ${mib(s.rssBytes)} | ` +
        `${mib(s.heapUsedBytes)} | ${s.lagP99Ms.toFixed(1)} | ${s.lagMaxMs.toFixed(1)} | ` +
        `${mib(s.journalBytes)} | ${s.compactions} |`,
    );
  }
  out.push('');
  out.push('Verdict (median of the last third against the middle third):');
  out.push('');
  if (r.verdict.note !== null) out.push(`- ${r.verdict.note}`);
  for (const c of r.verdict.checks) {
    const fmt =
      c.name === 'rss' || c.name === 'heap used'
        ? (v: number) => `${mib(v)} MiB`
        : (v: number) => v.toFixed(1);
    out.push(
      `- ${c.ok ? 'ok' : 'FAIL'} ${c.name}: middle ${fmt(c.middle)}, last ${fmt(c.last)}, limit ${fmt(c.limit)}`,
    );
  }
  if (r.stopProblem !== null) out.push(`- FAIL the server did not stop cleanly: ${r.stopProblem}`);
  if (r.submitErrors > 0) out.push(`- FAIL ${r.submitErrors} submissions failed`);
  out.push('');
  out.push(r.ok ? '**soak: flat**' : '**soak: FAILED**');
  return out.join('\n');
}
