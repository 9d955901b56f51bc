/**
 * The report as one self-contained HTML file: inline CSS and SVG, no scripts, nothing
 * fetched, so it opens offline and can be mailed or archived as it is.
 */
import type { ReportData, ReportTrial } from './report-data';
import { barChart, confusionHeatMap, escapeXml, lineChart } from './svg';
import { accuracyText, CANDIDATE_HEAD, candidateRows, cellText, describeTrial, epochsText, halvingLine, intervalText, paperLayout, percent, tableNotes, tieLine } from './table-layout';
import { describeImportance, formatP, type ImportanceOutcome } from '../study/grid-evidence';

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#222}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2.2rem;border-bottom:1px solid #ddd}h3{font-size:1.05rem}
table{border-collapse:collapse;margin:.6rem 0}th,td{padding:.25rem .6rem;border:1px solid #ccc}th{background:#f3f3f3}
td.num{text-align:right;font-variant-numeric:tabular-nums}td.best{background:#d9f2e3;font-weight:600}td.tied{background:#eef8f1}td.diverged{color:#b00}.side{display:flex;flex-wrap:wrap;gap:1.5rem;align-items:flex-start}
.meta{color:#555}.note{background:#fff4d6;border-left:3px solid #d9a400;padding:.3rem .6rem}.plots{display:flex;flex-wrap:wrap;gap:1rem}figure{margin:0}
svg .title{font-size:13px;font-weight:600}svg .tick,svg .legend{font-size:11px}svg .axis{font-size:12px}
svg .grid{stroke:#e5e5e5}svg .frame{fill:none;stroke:#999}svg .line{fill:none;stroke-width:2}svg .dashed{stroke-dasharray:5 3}
svg .stop{font-size:10px}svg .stop-marker{fill:none;stroke-width:2}
svg .cell{font-size:11px;fill:#222}svg .cell.dark{fill:#fff}
code{background:#f5f5f5;padding:0 .2rem}
`;

function cellClass(trial: ReportTrial | undefined, best: ReportTrial): string {
  const classes = ['num'];
  if (trial && trial.key === best.key) classes.push('best');
  else if (trial?.tied) classes.push('tied');
  if (trial?.diverged) classes.push('diverged');
  return classes.join(' ');
}

/** A trial halving stopped is drawn dashed, ending in a cross labelled "stopped at k/n". */
function learningCurves(trials: ReportTrial[], title: string): string {
  return lineChart(
    trials.map((t) => ({
      name: `${t.activation}+${t.optimizer}`,
      points: t.curve.map((r) => [r.epoch, r.validationAccuracy] as [number, number]),
      ...(t.stoppedAt !== null ? { dashed: true, stopped: `stopped at ${t.stoppedAt}/${String(t.settings.epochs)}` } : {}),
    })),
    { title, xLabel: 'epoch', yLabel: 'validation accuracy', yRange: [0, 1], percent: true },
  );
}

/** Each gene's share of the variance between cells as bars (η², with its F-test p-value); nothing without an ANOVA. */
function importanceFigure(importance: ImportanceOutcome): string {
  if (!importance.ok) return '';
  const bars = [...importance.importance].sort((a, b) => b.share - a.share).map((g) => ({ label: g.gene.replace(':', ' × '), value: g.share, note: `${(g.share * 100).toFixed(0)}%, ${formatP(g.pValue)}` }));
  return `<figure>${barChart(bars, 'share of the variance between cells (η²)')}</figure>`;
}

export function renderHtml(data: ReportData): string {
  const body: string[] = [];
  body.push(`<h1>${escapeXml(data.title)}</h1>`);
  body.push(
    `<p class="meta">Generated ${escapeXml(data.generatedAt)} from <code>${escapeXml(data.database)}</code> by fer-ga ${escapeXml(data.versions.ferGa)} ` +
      `(Node ${escapeXml(data.versions.node)}; libtorch ${escapeXml(data.versions.libtorch.join(', ') || '–')}; devices ${escapeXml(data.versions.devices.join(', ') || '–')}).</p>`,
  );
  if (data.trials.length === 0) body.push('<p>No trials yet.</p>');

  for (const table of data.tables) {
    body.push(`<h2>${escapeXml(table.dataset)}: accuracy (%)</h2><p class="meta">${escapeXml(table.condition)}</p>`);
    for (const note of tableNotes(table)) body.push(`<p class="note"><strong>Note:</strong> ${escapeXml(note)}</p>`);
    const head = ['network', 'optimizer', ...table.activations].map((h) => `<th>${escapeXml(h)}</th>`).join('');
    const rows = paperLayout(table)
      .map(
        (row) =>
          `<tr><td>${escapeXml(row.model)}</td><td>${escapeXml(row.optimizer)}</td>${row.cells
            .map((c) => `<td class="${cellClass(c, table.best)}">${escapeXml(cellText(c))}</td>`)
            .join('')}</tr>`,
      )
      .join('');
    // The importance of each gene beside the table it was computed from.
    body.push(`<div class="side"><table class="paper"><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>${importanceFigure(table.importance)}</div>`);
    body.push(
      `<p>Best: <strong>${escapeXml(describeTrial(table.best))}</strong>, ${percent(table.best.accuracy)}%.${table.cells.some((c) => c.diverged) ? ' <span class="diverged">*</span> the loss diverged.' : ''}</p>`,
    );
    body.push(`<p class="meta">${escapeXml(tieLine(table))}</p><p class="meta">Gene importance: ${escapeXml(describeImportance(table.importance))}.</p>`);
    const plots: string[] = [];
    for (const model of table.models) {
      const trials = table.cells.filter((c) => c.model === model && c.curve.length > 0);
      if (trials.length > 0) plots.push(`<figure>${learningCurves(trials, `${model}: validation accuracy per epoch`)}</figure>`);
    }
    if (table.best.confusion.length > 0) {
      plots.push(`<figure>${confusionHeatMap(table.best.confusion, table.best.classes, `confusion: ${describeTrial(table.best)}`)}</figure>`);
    }
    body.push(`<div class="plots">${plots.join('')}</div>`);
  }

  for (const run of data.runs.filter((r) => r.generations.length > 0 || r.candidates.length > 0)) {
    body.push(`<h2>${run.kind === 'grid' ? 'Grid' : 'GA'} run ${run.run}: ${escapeXml(run.dataset)}${run.model ? ` / ${escapeXml(run.model)}` : ''}</h2>`);
    body.push(
      `<p class="meta">${escapeXml(run.state)}, started ${escapeXml(run.createdAt)}; ${run.generations.length} generations; ${run.trials} trials.${
        run.best ? ` Pick: <strong>${escapeXml(describeTrial(run.best))}</strong>, ${percent(run.best.accuracy)}%.` : ''
      }</p>`,
    );
    if (run.candidates.length > 0) {
      const head = CANDIDATE_HEAD.map((h) => `<th>${escapeXml(h)}</th>`).join('');
      const rows = candidateRows(run)
        .map((cells) => `<tr>${cells.map((c, i) => `<td${i > 0 && i < 4 ? ' class="num"' : ''}>${escapeXml(c)}</td>`).join('')}</tr>`)
        .join('');
      body.push(`<p>Candidates, ${escapeXml(halvingLine(run))}:</p><table class="candidates"><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>`);
    }
    if (run.generations.length === 0) continue;
    const chart = lineChart(
      [
        { name: 'best', points: run.generations.map((g) => [g.generation, g.best] as [number, number]) },
        { name: 'mean', points: run.generations.map((g) => [g.generation, g.mean] as [number, number]), dashed: true },
      ],
      { title: 'fitness per generation', xLabel: 'generation', yLabel: 'fitness (accuracy)', yRange: [0, 1], percent: true },
    );
    body.push(`<div class="plots"><figure>${chart}</figure></div>`);
  }

  if (data.trials.length > 0) {
    body.push('<h2>Trials</h2>');
    const rows = [...data.trials, ...data.stopped]
      .map(
        (t) =>
          `<tr><td>${escapeXml(t.dataset)}</td><td>${escapeXml(describeTrial(t))}</td><td class="num${t.diverged ? ' diverged' : ''}">${escapeXml(accuracyText(t))}</td>` +
          `<td class="num">${escapeXml(intervalText(t))}</td><td class="num">${escapeXml(epochsText(t))}</td><td class="num">${t.seconds.toFixed(1)}</td><td>${escapeXml(t.device)}</td><td>${escapeXml(t.libtorch)}</td><td><code>${escapeXml(t.key.slice(0, 12))}</code></td></tr>`,
      )
      .join('');
    body.push(
      `<table class="trials"><thead><tr><th>data set</th><th>trial</th><th>accuracy (%)</th><th>95% interval</th><th>epochs</th><th>seconds</th><th>device</th><th>libtorch</th><th>key</th></tr></thead><tbody>${rows}</tbody></table>`,
    );
    const settings = data.trials[0].settings;
    body.push(`<h3>Settings of the first trial</h3><pre>${escapeXml(JSON.stringify(settings, null, 2))}</pre>`);
  }
  if (data.failed.length > 0) {
    const rows = data.failed
      .map((f) => `<tr><td><code>${escapeXml(f.key.slice(0, 12))}</code></td><td class="num">${f.attempts}</td><td>${escapeXml(f.failedAt)}</td><td>${escapeXml(f.error)}</td></tr>`)
      .join('');
    body.push('<h2>Failed trials</h2><p class="meta">Failed on every attempt on the queue; their runs scored them 0.</p>');
    body.push(`<table class="trials"><thead><tr><th>key</th><th>attempts</th><th>failed at</th><th>error</th></tr></thead><tbody>${rows}</tbody></table>`);
  }

  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeXml(data.title)}</title><style>${STYLE}</style></head>
<body>
${body.join('\n')}
</body></html>
`;
}
