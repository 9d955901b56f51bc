import { spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { chromium } from 'playwright-core';

import { writeSyntheticDataset } from '../src/data/synthetic';

const BIN = path.resolve(__dirname, '../bin/fer-ga.js');
const CHROMIUM = process.env.FER_GA_CHROMIUM ?? '/usr/bin/chromium';

let tmp: string;
let db: string;
beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-ga-report-'));
  db = path.join(tmp, 'results.db');
  await writeSyntheticDataset(path.join(tmp, 'faces'), { subjects: 5, imagesPerClass: 1, seed: 4 });
  const data = ['--dataset', `folder:${path.join(tmp, 'faces')}`, '--size', '16', '--face', 'none', '--cache', path.join(tmp, 'cache'),
    '--epochs', '2', '--batch-size', '8', '--threads', '1', '--db', db];
  // Real trainings: a 2 × 2 grid and a short GA over the same cells.
  expect(run('grid', ...data, '--models', 'googlenet', '--optimizers', 'sgdm,adam', '--activations', 'relu,elu').code).toBe(0);
  expect(run('evolve', '--fidelity', 'full', ...data, '--model', 'googlenet', '--population', '4', '--generations', '2').code).toBe(0);
}, 300000);
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function run(...args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('fer-ga report', () => {
  test('markdown: the paper layout, GA generations and the trials', () => {
    const { code, stdout } = run('report', '--db', db);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^## folder:.*faces: accuracy \(%\) — 16 px grey, no face detection, 2 epochs, batch 8/m);
    // The grid's columns and the GA's (relu, leaky-relu, clipped-relu) in the paper's order.
    expect(stdout).toMatch(/\| network \| optimizer \| relu \| (leaky-relu \| )?(clipped-relu \| )?elu \|/);
    // Each cell: accuracy, its 95% interval, and ≈ where tied with the best.
    expect(stdout).toMatch(/^\| googlenet \| sgdm \| \d+\.\d\d\*? \[\d+\.\d, \d+\.\d\]( ≈)? \|.*\| \d+\.\d\d\*? \[\d+\.\d, \d+\.\d\]( ≈)? \|$/m);
    expect(stdout).toMatch(/## GA run 2: .* \(done\)/);
    expect(stdout).toMatch(/\| 2 \| \d+\.\d\d \| \d+\.\d\d \|/);
    expect(stdout).toContain('Confusion matrix of the best');
  });

  test('csv and json hold every trial with its accuracy; --run picks one run', () => {
    const csv = run('report', '--db', db, '--format', 'csv').stdout.trim().split('\n');
    const json = JSON.parse(run('report', '--db', db, '--format', 'json').stdout) as {
      trials: Array<{ key: string; accuracy: number; curve: unknown[]; confusion: number[][] }>;
      runs: Array<{ run: number; kind: string; generations: unknown[] }>;
    };
    expect(csv[0]).toMatch(/^dataset,model,optimizer,activation,/);
    expect(csv).toHaveLength(json.trials.length + 1);
    expect(json.trials.length).toBeGreaterThanOrEqual(4);
    for (const t of json.trials) {
      expect(csv.some((line) => line.endsWith(t.key) && line.includes(String(t.accuracy)))).toBe(true);
      expect(t.curve).toHaveLength(2);
      expect(t.confusion.flat().reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    }
    expect(json.runs.map((r) => r.kind)).toEqual(['grid', 'evolve']);
    const gridOnly = JSON.parse(run('report', '--db', db, '--run', '1', '--json').stdout) as { trials: unknown[]; runs: unknown[] };
    expect(gridOnly.runs).toHaveLength(1);
    expect(gridOnly.trials).toHaveLength(4);
  });

  test('bad flags are one line each', () => {
    expect(run('report', '--db', path.join(tmp, 'missing.db')).stderr).toMatch(/^fer-ga: --db .*missing\.db: no such results file/);
    expect(run('report', '--db', db, '--run', '9').stderr).toMatch(/^fer-ga: --run 9: run 9 is not in/);
    expect(run('report', '--db', db, '--format', 'pdf').stderr).toMatch(/^fer-ga: --format must be one of md, html, csv, json \(got 'pdf'\)/);
  });

  test('the HTML renders in a real browser: tables and plots, no console errors, nothing fetched', async () => {
    const file = path.join(tmp, 'report.html');
    expect(run('report', '--db', db, '--format', 'html', '--out', file).code).toBe(0);
    expect(fs.existsSync(CHROMIUM)).toBe(true); // `npm run setup` installs Debian's chromium
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking'],
    });
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      const requests: string[] = [];
      page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
      page.on('pageerror', (error) => problems.push(error.message));
      page.on('request', (request) => requests.push(request.url()));
      await page.goto(`file://${file}`);
      expect(problems).toEqual([]);
      expect(requests).toEqual([`file://${file}`]);
      const report = JSON.parse(run('report', '--db', db, '--format', 'json').stdout) as { trials: Array<{ optimizer: string }> };
      expect(await page.locator('table.paper').count()).toBe(1);
      expect(await page.locator('table.paper tbody tr').count()).toBe(new Set(report.trials.map((t) => t.optimizer)).size);
      expect(await page.locator('table.paper td.best').count()).toBe(1);
      // Learning curves, the confusion heat map, and the GA's fitness per generation.
      expect(await page.locator('svg').count()).toBe(3);
      expect(await page.locator('svg path.line').count()).toBe(report.trials.length + 2);
      expect(await page.locator('svg rect[fill^="hsl"]').count()).toBe(49);
      const box = await page.locator('svg').first().boundingBox();
      expect(box?.width).toBeGreaterThan(300);
      expect(box?.height).toBeGreaterThan(200);
    } finally {
      await browser.close();
    }
  });
});
