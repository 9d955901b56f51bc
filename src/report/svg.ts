/** Inline SVG plots for the HTML report: no scripts, no fonts or files from anywhere. */

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

// Colour-blind-safe (Okabe–Ito), then greys.
const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#F0E442', '#000000', '#777777', '#AAAAAA'];

export interface Series {
  name: string;
  points: Array<[number, number]>;
  dashed?: boolean;
  /** The series was cut short (a trial halving stopped): its last point gets a cross and this label, e.g. "stopped at 3/9". */
  stopped?: string;
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Fixed y range, e.g. [0, 1] for accuracy; otherwise from the data. */
  yRange?: [number, number];
  percent?: boolean;
}

function niceTicks(low: number, high: number, count = 5): number[] {
  const span = high - low || 1;
  const step = 10 ** Math.floor(Math.log10(span / count));
  const multiple = [1, 2, 5, 10].find((m) => span / (m * step) <= count) ?? 10;
  const unit = multiple * step;
  const ticks: number[] = [];
  for (let v = Math.ceil(low / unit) * unit; v <= high + 1e-9; v += unit) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

export function lineChart(series: Series[], options: LineChartOptions): string {
  const legends = series.map((s) => (s.stopped ? `${s.name} (${s.stopped})` : s.name));
  // The legend's column widens for long names (about 6.2 px a character at 11 px) rather than clip them.
  const right = Math.max(160, Math.ceil(36 + 6.2 * Math.max(0, ...legends.map((l) => l.length))));
  const width = 400 + right;
  const height = 300;
  const margin = { left: 56, right, top: 28, bottom: 40 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = series.flatMap((s) => s.points.map((p) => p[1])).filter(Number.isFinite);
  const xMin = Math.min(...xs, 1);
  const xMax = Math.max(...xs, xMin + 1);
  const [yMin, yMax] = options.yRange ?? [Math.min(...ys, 0), Math.max(...ys, 1e-9)];
  const x = (v: number) => margin.left + ((v - xMin) / (xMax - xMin)) * plotW;
  const y = (v: number) => margin.top + plotH - ((Math.min(Math.max(v, yMin), yMax) - yMin) / (yMax - yMin || 1)) * plotH;
  const label = (v: number) => (options.percent ? `${Math.round(v * 100)}%` : String(v));
  const parts: string[] = [];
  parts.push(`<text x="${margin.left}" y="16" class="title">${escapeXml(options.title)}</text>`);
  for (const t of niceTicks(yMin, yMax)) {
    parts.push(`<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" class="grid"/>`);
    parts.push(`<text x="${margin.left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end" class="tick">${label(t)}</text>`);
  }
  for (const t of niceTicks(xMin, xMax, 8).filter((v) => Number.isInteger(v))) {
    parts.push(`<text x="${x(t).toFixed(1)}" y="${margin.top + plotH + 16}" text-anchor="middle" class="tick">${t}</text>`);
  }
  parts.push(`<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" class="frame"/>`);
  parts.push(`<text x="${margin.left + plotW / 2}" y="${height - 6}" text-anchor="middle" class="axis">${escapeXml(options.xLabel)}</text>`);
  parts.push(
    `<text transform="translate(14 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle" class="axis">${escapeXml(options.yLabel)}</text>`,
  );
  series.forEach((s, i) => {
    const colour = PALETTE[i % PALETTE.length];
    const finite = s.points.filter((p) => Number.isFinite(p[1]));
    const d = finite.map((p, j) => `${j === 0 ? 'M' : 'L'}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(' ');
    if (finite.length > 1) parts.push(`<path d="${d}" stroke="${colour}" class="line${s.dashed ? ' dashed' : ''}"/>`);
    for (const p of finite.length === 1 ? finite : []) parts.push(`<circle cx="${x(p[0]).toFixed(1)}" cy="${y(p[1]).toFixed(1)}" r="3" fill="${colour}"/>`);
    const end = finite[finite.length - 1];
    if (s.stopped && end) {
      const [ex, ey] = [x(end[0]), y(end[1])];
      parts.push(
        `<path d="M${(ex - 4).toFixed(1)},${(ey - 4).toFixed(1)} L${(ex + 4).toFixed(1)},${(ey + 4).toFixed(1)} M${(ex - 4).toFixed(1)},${(ey + 4).toFixed(1)} L${(ex + 4).toFixed(1)},${(ey - 4).toFixed(1)}" stroke="${colour}" class="stop-marker"><title>${escapeXml(`${s.name}: ${s.stopped}`)}</title></path>`,
      );
      parts.push(`<text x="${(ex + 6).toFixed(1)}" y="${(ey - 6).toFixed(1)}" fill="${colour}" class="stop">${escapeXml(s.stopped)}</text>`);
    }
    const ly = margin.top + 8 + i * 16;
    parts.push(`<line x1="${width - margin.right + 10}" x2="${width - margin.right + 28}" y1="${ly}" y2="${ly}" stroke="${colour}" class="line${s.dashed ? ' dashed' : ''}"/>`);
    parts.push(`<text x="${width - margin.right + 32}" y="${ly + 4}" class="legend">${escapeXml(legends[i])}</text>`);
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeXml(options.title)}">${parts.join('')}</svg>`;
}

/** Rows are true classes, columns predicted; each cell shaded by its share of its row. */
export function confusionHeatMap(matrix: number[][], classes: string[], title: string): string {
  const n = matrix.length;
  const cell = 44;
  const left = 96;
  const top = 76;
  const width = left + n * cell + 12;
  const height = top + n * cell + 30;
  const parts: string[] = [`<text x="4" y="16" class="title">${escapeXml(title)}</text>`];
  parts.push(`<text x="${left + (n * cell) / 2}" y="34" text-anchor="middle" class="axis">predicted</text>`);
  for (let j = 0; j < n; j++) {
    parts.push(
      `<text transform="translate(${left + j * cell + cell / 2 + 4} ${top - 6}) rotate(-45)" class="tick">${escapeXml(classes[j] ?? String(j))}</text>`,
    );
  }
  for (let i = 0; i < n; i++) {
    const total = matrix[i].reduce((a, b) => a + b, 0);
    parts.push(`<text x="${left - 6}" y="${top + i * cell + cell / 2 + 4}" text-anchor="end" class="tick">${escapeXml(classes[i] ?? String(i))}</text>`);
    for (let j = 0; j < n; j++) {
      const share = total > 0 ? matrix[i][j] / total : 0;
      const lightness = Math.round(97 - share * 62);
      parts.push(
        `<rect x="${left + j * cell}" y="${top + i * cell}" width="${cell - 2}" height="${cell - 2}" fill="hsl(${i === j ? 150 : 210},60%,${lightness}%)"><title>${escapeXml(
          `${classes[i] ?? i} → ${classes[j] ?? j}: ${matrix[i][j]} of ${total}`,
        )}</title></rect>`,
      );
      parts.push(
        `<text x="${left + j * cell + cell / 2 - 1}" y="${top + i * cell + cell / 2 + 4}" text-anchor="middle" class="cell${share > 0.55 ? ' dark' : ''}">${matrix[i][j]}</text>`,
      );
    }
  }
  parts.push(`<text x="12" y="${top + (n * cell) / 2}" class="axis" transform="rotate(-90 12 ${top + (n * cell) / 2})" text-anchor="middle">true</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeXml(title)}">${parts.join('')}</svg>`;
}

export interface Bar {
  label: string;
  /** 0–1, drawn as a share of the full width. */
  value: number;
  /** Written after the bar, e.g. "94%, p < 0.001". */
  note: string;
}

/** Horizontal bars of shares (0–1), one row each, labelled on the left and annotated on the right. */
export function barChart(bars: Bar[], title: string): string {
  const left = 150;
  const span = 240;
  const row = 26;
  const top = 30;
  const width = left + span + 130;
  const height = top + bars.length * row + 10;
  const parts: string[] = [`<text x="4" y="16" class="title">${escapeXml(title)}</text>`];
  bars.forEach((bar, i) => {
    const y = top + i * row;
    const length = Math.max(1, Math.round(Math.min(1, Math.max(0, bar.value)) * span));
    parts.push(`<text x="${left - 8}" y="${y + 15}" text-anchor="end" class="tick">${escapeXml(bar.label)}</text>`);
    parts.push(`<rect x="${left}" y="${y + 3}" width="${span}" height="16" fill="#f0f0f0"/>`);
    parts.push(`<rect x="${left}" y="${y + 3}" width="${length}" height="16" fill="${PALETTE[i % PALETTE.length]}"><title>${escapeXml(`${bar.label}: ${bar.note}`)}</title></rect>`);
    parts.push(`<text x="${left + span + 8}" y="${y + 15}" class="tick">${escapeXml(bar.note)}</text>`);
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeXml(title)}">${parts.join('')}</svg>`;
}
