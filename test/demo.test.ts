import { spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';

const BIN = path.resolve(__dirname, '../bin/fer-ga.js');

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-ga-demo-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function run(...args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('fer-ga demo', () => {
  // The real demo trains 9 × 15 epochs at 32 px (about 4 minutes); the same path, cut short.
  const quick = ['demo', '--size', '20', '--epochs', '1', '--generations', '2', '--threads', '2'];

  // Training happens once, here; the text run below reads the same trial cache.
  test('a second run trains nothing and gives the same result (--json)', () => {
    const out = path.join(tmp, 'demo');
    const first = JSON.parse(run(...quick, '--out', out, '--json').stdout) as Record<string, unknown>;
    const second = JSON.parse(run(...quick, '--out', out, '--json').stdout) as Record<string, unknown> & { ga: { trainings: number } };
    expect(second.ga.trainings).toBe(0);
    expect(second.grid).toEqual((first.grid as Array<Record<string, unknown>>).map((r) => ({ ...r, cached: true, epochsTrained: 0 })));
    expect(second.gaTrainings).toBe(first.gaTrainings);
    expect(second.gridBest).toMatchObject({ ...(first.gridBest as object), cached: true, epochsTrained: 0 });
    // The pick's accuracy with its interval and its verdict against the grid's best.
    const best = (first.ga as { best: { correct: number; total: number; interval: [number, number]; tiedWithBest: boolean | null; pValue: number | null } }).best;
    expect(best.total).toBeGreaterThan(0);
    expect(best.interval[0]).toBeLessThanOrEqual(best.correct / best.total);
    expect(typeof best.tiedWithBest).toBe('boolean');
    expect(first.pick).toMatchObject({ tiedWithBest: best.tiedWithBest, pValue: best.pValue });
    expect(typeof first.gridTied).toBe('number');
  });

  test('prints the table in the paper\'s layout, the pick, the trainings it took and the report (a rerun, from the cache)', () => {
    const out = path.join(tmp, 'demo');
    const { code, stdout, stderr } = run(...quick, '--out', out);
    expect(code).toBe(0);
    expect(stderr).toMatch(/demo: GA over activation × optimizer on googlenet/);
    expect(stderr).toMatch(/training \(epochs of 9 trials\)/);
    expect(stdout).toMatch(/network\s+optimizer\s+relu\s+leaky-relu\s+clipped-relu/);
    // Each cell: accuracy, its 95% Wilson interval, * where diverged, ≈ where tied with the best.
    const cell = '\\d+\\.\\d% \\[\\d+\\.\\d, \\d+\\.\\d\\]\\*?( ≈)?';
    for (const optimizer of ['sgdm', 'rmsprop', 'adam']) expect(stdout).toMatch(new RegExp(`googlenet\\s+${optimizer}\\s+${cell}\\s+${cell}\\s+${cell}`));
    expect(stdout).toMatch(/^≈ \d of 9 cells tied with the best \(not significantly worse: exact McNemar/m);
    expect(stdout).toMatch(/^importance: {3}(the \S+ explains \d+% of the variance between cells, p [<=] [\d.]+; the \S+ \d+%, p [<=] [\d.]+|no analysis of variance: .*)$/m);
    expect(stdout).toMatch(/grid's best: {2}\S+ \+ \S+ \(\d+\.\d% \[\d+\.\d, \d+\.\d\]; worst \d+\.\d%\)/);
    // A tie is a success: the pick is the best, tied with it (with the p-value), or significantly worse.
    expect(stdout).toMatch(
      /GA's pick \S+ \+ \S+ \d+\.\d% \[\d+\.\d, \d+\.\d\], (the grid's best itself|tied with the grid's best \S+ \+ \S+ \d+\.\d% \(\d+ images only the best got right, \d+ only the pick: p [<=] [\d.]+\)|significantly worse than .*Holm-corrected\)), after training [1-9] of the 9 combinations/,
    );
    expect(stdout).toContain(`report:     ${path.join(out, 'report.html')}`);
    const html = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(html).toContain('<table class="paper">');
    expect(html).toContain('fitness per generation');
    expect(fs.existsSync(path.join(out, 'best.ckpt'))).toBe(true);
  });
});
