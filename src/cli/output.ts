/** Printing: one JSON document on stdout with --json, aligned text otherwise. */

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printTable(header: string[], rows: string[][], alignRight: boolean[] = []): void {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => (alignRight[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
      .join('  ')
      .trimEnd();
  process.stdout.write(`${[line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')}\n`);
}

export function groupDigits(value: number): string {
  return value.toLocaleString('en-US');
}

/** 15466196992 → "15.47 G". */
export function engineering(value: number): string {
  const units: Array<[number, string]> = [
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  const [scale, unit] = units.find(([s]) => value >= s) ?? [1, ''];
  return `${(value / scale).toFixed(2)} ${unit}`.trimEnd();
}
