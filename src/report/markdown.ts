/** The report as Markdown: the tables, the GA's progress, the best trial's confusion matrix. */
import type { ReportData } from './report-data';
import { accuracyText, CANDIDATE_HEAD, candidateRows, cellText, describeTrial, epochsText, halvingLine, intervalText, paperLayout, percent, tableNotes, tieLine } from './table-layout';
import { describeImportance } from '../study/grid-evidence';

function mdTable(head: string[], rows: string[][], right: boolean[] = []): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map((_, i) => (right[i] ? '---:' : '---'))), ...rows.map(line)].join('\n');
}

export function renderMarkdown(data: ReportData): string {
  const out: string[] = [`# ${data.title}`, ''];
  out.push(
    `Generated ${data.generatedAt} from \`${data.database}\` by fer-ga ${data.versions.ferGa} (Node ${data.versions.node}; ` +
      `libtorch ${data.versions.libtorch.join(', ') || '–'}; devices ${data.versions.devices.join(', ') || '–'}).`,
    '',
  );
  for (const table of data.tables) {
    out.push(`## ${table.dataset}: accuracy (%) — ${table.condition}`, '');
    for (const note of tableNotes(table)) out.push(`> **Note:** ${note}`, '');
    out.push(
      mdTable(
        ['network', 'optimizer', ...table.activations],
        paperLayout(table).map((row) => [row.model, row.optimizer, ...row.cells.map(cellText)]),
        [false, false, ...table.activations.map(() => true)],
      ),
      '',
      `Best: ${describeTrial(table.best)}, ${percent(table.best.accuracy)}%.${table.cells.some((c) => c.diverged) ? ' `*`: the loss diverged.' : ''}`,
      '',
      tieLine(table),
      '',
      `Gene importance: ${describeImportance(table.importance)}.`,
      '',
    );
    const best = table.best;
    if (best.confusion.length > 0) {
      out.push(`Confusion matrix of the best (rows true, columns predicted):`, '');
      out.push(mdTable(['', ...best.classes], best.confusion.map((row, i) => [best.classes[i] ?? String(i), ...row.map(String)]), [false, ...best.classes.map(() => true)]), '');
    }
  }
  for (const run of data.runs.filter((r) => r.generations.length > 0 || r.candidates.length > 0)) {
    out.push(`## ${run.kind === 'grid' ? 'Grid' : 'GA'} run ${run.run}: ${run.dataset}${run.model ? ` / ${run.model}` : ''} (${run.state})`, '');
    if (run.generations.length > 0) {
      out.push(mdTable(['generation', 'best (%)', 'mean (%)'], run.generations.map((g) => [String(g.generation), percent(g.best), percent(g.mean)]), [true, true, true]), '');
    }
    if (run.best) out.push(`Pick: ${describeTrial(run.best)}, ${percent(run.best.accuracy)}%; ${run.trials} trials trained or reused.`, '');
    if (run.candidates.length > 0) {
      out.push(`Candidates, ${halvingLine(run)}:`, '');
      out.push(mdTable(CANDIDATE_HEAD, candidateRows(run), [false, true, true, true, false]), '');
    }
  }
  out.push('## Trials', '');
  out.push(
    mdTable(
      ['data set', 'trial', 'accuracy (%)', '95% interval', 'epochs', 'seconds', 'device', 'key'],
      [...data.trials, ...data.stopped].map((t) => [t.dataset, describeTrial(t), accuracyText(t), intervalText(t), epochsText(t), t.seconds.toFixed(1), t.device, t.key.slice(0, 12)]),
      [false, false, true, true, true, true, false, false],
    ),
    '',
  );
  if (data.failed.length > 0) {
    out.push('## Failed trials', '', 'Failed on every attempt on the queue; their runs scored them 0.', '');
    out.push(mdTable(['key', 'attempts', 'failed at', 'error'], data.failed.map((f) => [f.key.slice(0, 12), String(f.attempts), f.failedAt, f.error.replace(/\|/g, '\\|')]), [false, true, false, false]), '');
  }
  return out.join('\n');
}
