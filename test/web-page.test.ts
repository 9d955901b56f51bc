/**
 * export --format web in a real browser: `fer-ga serve` on loopback, Debian's Chromium
 * driven through the page's own file input, each synthetic face read by the page and by
 * `predict --model` on the same exported file: same top class, probabilities within 1e-3.
 * A screenshot of the page with a prediction is kept in test-output/web-page/.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import readline from 'readline';

import { chromium, type Browser, type Page } from 'playwright-core';

import { writeSyntheticDataset } from '../src/data/synthetic';

const BIN = path.resolve(__dirname, '../bin/fer-ga.js');
const CHROMIUM = process.env.FER_GA_CHROMIUM ?? '/usr/bin/chromium';
const OUTPUT = path.resolve(__dirname, '../test-output/web-page');

let tmp: string;
let faces: string[];
let browser: Browser;
const servers: ChildProcessWithoutNullStreams[] = [];

function run(...args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** `fer-ga serve DIR --port 0` in a child process; resolves with the address it prints. */
async function serve(dir: string): Promise<string> {
  const child = spawn(process.execPath, [BIN, 'serve', dir, '--port', '0']);
  servers.push(child);
  const firstLine = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
  });
  const url = /^serving .* at (http:\/\/\S+) \(Ctrl-C stops\)$/.exec(firstLine)?.[1];
  if (!url) throw new Error(`serve printed ${firstLine}`);
  return url;
}

/** Trains a ResNet-50 for one epoch (its batch norms make each face's answer its own) and writes its page. */
function trainAndExport(color: 'grey' | 'rgb'): string {
  const checkpoint = path.join(tmp, `${color}.ckpt`);
  const trained = run('train', '--dataset', `folder:${path.join(tmp, 'faces')}`, '--size', '32', '--color', color, '--face', 'none',
    '--cache', path.join(tmp, 'cache'), '--epochs', '1', '--batch-size', '8', '--threads', '1', '--db', path.join(tmp, 'results.db'),
    '--model', 'resnet50', '--optimizer', 'adam', '--checkpoint', checkpoint);
  expect(trained.code).toBe(0);
  const dir = path.join(tmp, `web-${color}`);
  const exported = run('export', '--checkpoint', checkpoint, '--format', 'web', '--out', dir);
  expect(exported.stderr).toBe('');
  expect(exported.stdout).toMatch(/a page that reads expressions .* open it with: fer-ga serve /);
  return dir;
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-ga-web-'));
  fs.mkdirSync(OUTPUT, { recursive: true });
  await writeSyntheticDataset(path.join(tmp, 'faces'), { subjects: 3, imagesPerClass: 1, seed: 5 });
  faces = ['happy', 'surprise', 'anger', 'sadness'].flatMap((c) => fs.readdirSync(path.join(tmp, 'faces', c)).map((f) => path.join(tmp, 'faces', c, f)));
  expect(fs.existsSync(CHROMIUM)).toBe(true); // `npm run setup` installs Debian's chromium
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking'],
  });
}, 120000);

afterAll(async () => {
  await browser?.close();
  for (const child of servers) child.kill();
  fs.rmSync(tmp, { recursive: true, force: true });
});

interface PageReading {
  state: string;
  message: string;
  expression: string;
  probabilities: Record<string, number>;
}

// The test's TypeScript has no DOM types: what runs in the page is written as expressions.
async function readThroughPage(page: Page, file: string): Promise<PageReading> {
  await page.evaluate("document.body.dataset.state = 'waiting'");
  await page.setInputFiles('#file', file);
  await page.waitForFunction("['done', 'error'].includes(document.body.dataset.state)");
  const bars = await page.locator('.bar').all();
  const probabilities: Record<string, number> = {};
  for (const bar of bars) probabilities[(await bar.getAttribute('data-class')) ?? ''] = Number(await bar.getAttribute('data-probability'));
  return {
    state: (await page.locator('body').getAttribute('data-state')) ?? '',
    message: (await page.locator('#message').textContent()) ?? '',
    expression: (await page.locator('#expression').textContent()) ?? '',
    probabilities,
  };
}

describe('the exported page in Chromium', () => {
  test.each(['grey', 'rgb'] as const)('%s: each face as predict --model reads it; a non-image is said so in the page', async (color) => {
    const dir = trainAndExport(color);
    expect(fs.readdirSync(dir).sort()).toEqual(['app.mjs', 'index.html', 'model.json', 'model.onnx', 'ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm', 'ort.wasm.min.mjs']);
    const url = await serve(dir);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await browser.newPage();
    const problems: string[] = [];
    const outside: string[] = [];
    const types: Record<string, string> = {};
    page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('request', (request) => !request.url().startsWith(url) && outside.push(request.url()));
    page.on('response', (response) => (types[path.basename(new URL(response.url()).pathname)] = response.headers()['content-type']));
    try {
      await page.goto(url);
      await page.waitForFunction("document.body.dataset.state === 'ready'", undefined, { timeout: 60000 });
      const expects = await page.locator('#expects').textContent();
      expect(expects).toContain(color === 'grey' ? 'turned grey' : 'in colour');
      expect(expects).toContain('32×32');

      const cli = JSON.parse(run('predict', '--model', path.join(dir, 'model.onnx'), ...faces, '--json').stdout) as {
        images: Array<{ expression: string; probabilities: Record<string, number> }>;
      };
      let worst = 0;
      for (const [i, face] of faces.entries()) {
        const reading = await readThroughPage(page, face);
        expect(reading.state).toBe('done');
        expect(reading.message).toBe(path.basename(face));
        expect(reading.expression).toBe(cli.images[i].expression);
        expect(Object.keys(reading.probabilities)).toEqual(Object.keys(cli.images[i].probabilities));
        for (const [name, value] of Object.entries(cli.images[i].probabilities)) worst = Math.max(worst, Math.abs(reading.probabilities[name] - value));
      }
      expect(worst).toBeLessThan(1e-3);
      // The faces are told apart: not one answer for every image.
      expect(new Set(cli.images.map((p) => p.probabilities.happy.toFixed(4))).size).toBeGreaterThan(1);
      console.log(`${color}: ${faces.length} faces, page vs predict --model: worst |Δp| ${worst.toExponential(1)}`);
      await page.screenshot({ path: path.join(OUTPUT, `page-${color}.png`), fullPage: true });

      const notAnImage = path.join(tmp, 'notes.png');
      fs.writeFileSync(notAnImage, 'not a picture');
      const refused = await readThroughPage(page, notAnImage);
      expect(refused.state).toBe('error');
      expect(refused.message).toMatch(/^notes\.png is not an image this browser can read/);
      expect(refused.probabilities).toEqual({});

      expect(problems).toEqual([]);
      expect(outside).toEqual([]);
      expect(types['ort-wasm-simd-threaded.wasm']).toBe('application/wasm');
      expect(types['app.mjs']).toMatch(/^text\/javascript/);
      // Nothing outside the folder is served, and a malformed path does not stop the server.
      expect((await fetch(`${url}..%2f..%2f..%2fetc%2fpasswd`)).status).toBe(404);
      expect((await fetch(`${url}%E0`)).status).toBe(400);
      expect((await fetch(`${url}model.json`)).status).toBe(200);
    } finally {
      await page.close();
    }
  }, 120000);

  test('serve: a folder without a page is one line', () => {
    const missing = run('serve', path.join(tmp, 'nowhere'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^fer-ga: .*nowhere: no such folder\n$/);
    const empty = path.join(tmp, 'empty');
    fs.mkdirSync(empty, { recursive: true });
    expect(run('serve', empty).stderr).toMatch(/^fer-ga: .*empty holds no index\.html \(write one with fer-ga export --format web --out .*\)\n$/);
    expect(run('serve', empty, '--port', '70000').stderr).toMatch(/^fer-ga: .*empty holds no index\.html/);
  });
});
