/**
 * A report table is one complete setting: trials that differ in anything that changes
 * their numbers (weight decay, weights, frozen epochs, the packed data) land in separate
 * tables, each cell shows its own trial, and a table whose cells come from different
 * trainer or libtorch versions says so.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';

import type { ActivationName } from '../src/names';
import { collectReport, type ReportData } from '../src/report/collect';
import { renderReport } from '../src/report/render';
import { Store, type TrialRecord } from '../src/store/store';
import { keyedSettings } from '../src/study/trial-key';
import { TRIAL_DEFAULTS, type TrialSettings } from '../src/study/trials';

const CLASSES = ['anger', 'happiness', 'neutral'];
const FINGERPRINT = 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90';

interface TrialSpec {
  activation: string;
  fitness: number;
  settings?: Record<string, unknown>;
  fingerprint?: string;
  libtorch?: string;
}

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-ga-report-grouping-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** What runTrial stores for a googlenet + adam trial (trainer version 1) on three classes, with `spec.settings` over it. */
function trialRecord(spec: TrialSpec, index: number): TrialRecord {
  const trained: TrialSettings = { model: 'googlenet', activation: spec.activation as ActivationName, optimizer: 'adam', ...TRIAL_DEFAULTS, epochs: 2, batchSize: 8 };
  const settings: Record<string, unknown> = {
    ...keyedSettings(trained, null, 1, 1),
    device: 'cpu',
    threads: 1,
    classes: CLASSES,
    size: 16,
    channels: 1,
    ...spec.settings,
  };
  const libtorch = spec.libtorch ?? '2.5.1';
  const correct = Math.round(spec.fitness * 20);
  const fold = {
    history: [
      { epoch: 1, trainLoss: 1.1, trainAccuracy: 0.3, validationLoss: 1.05, validationAccuracy: spec.fitness / 2, seconds: 0.5 },
      { epoch: 2, trainLoss: 0.9, trainAccuracy: 0.5, validationLoss: 0.95, validationAccuracy: spec.fitness, seconds: 0.5 },
    ],
    diverged: false,
    bestEpoch: 2,
    bestValidationAccuracy: spec.fitness,
    finalValidationAccuracy: spec.fitness,
    confusion: [
      [correct, 20 - correct, 0],
      [0, 0, 0],
      [0, 0, 0],
    ],
    seconds: 1,
    device: String(settings.device),
    libtorch,
  };
  return {
    key: `${String(index).padStart(4, '0')}${'f'.repeat(60)}`,
    dataset: 'synthetic',
    fingerprint: spec.fingerprint ?? FINGERPRINT,
    model: 'googlenet',
    genes: {
      activation: spec.activation,
      optimizer: 'adam',
      model: 'googlenet',
      learningRate: String(settings.learningRate),
      batchSize: String(settings.batchSize),
      firstKernel: String(settings.firstKernel),
    },
    settings,
    fitness: spec.fitness,
    diverged: false,
    result: { folds: [fold] },
    seconds: 1,
    device: String(settings.device),
    libtorch,
  };
}

let files = 0;
/** Saves the trials in order (each a few milliseconds after the last, so "newest" is well defined) and reports. */
async function report(specs: TrialSpec[]): Promise<{ data: ReportData; md: string }> {
  const store = new Store(path.join(tmp, `results-${++files}.db`));
  try {
    for (const [i, spec] of specs.entries()) {
      store.saveTrial(trialRecord(spec, i));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const data = collectReport(store);
    return { data, md: renderReport(data, 'md') };
  } finally {
    store.close();
  }
}

interface MarkdownTable {
  heading: string;
  /** activation → cell text */
  cells: Record<string, string>;
  best: string;
  text: string;
}

/** The paper tables of a Markdown report, read back from its text. */
function markdownTables(md: string): MarkdownTable[] {
  return md
    .split(/^## /m)
    .filter((section) => / accuracy \(%\) — /.test(section.split('\n')[0]))
    .map((section) => {
      const lines = section.split('\n');
      const head = lines.find((l) => l.startsWith('| network |'));
      const row = lines.find((l) => l.startsWith('| googlenet | adam |'));
      if (!head || !row) throw new Error(`no paper table in:\n${section}`);
      const columns = head.split('|').slice(3, -1).map((c) => c.trim());
      // A cell's accuracy, without its interval and tie mark.
      const values = row.split('|').slice(3, -1).map((c) => c.trim().split(' ')[0]);
      const best = /^Best: .*, (\d+\.\d\d)%\./m.exec(section)?.[1];
      if (!best) throw new Error(`no Best line in:\n${section}`);
      return { heading: lines[0], cells: Object.fromEntries(columns.map((c, i) => [c, values[i]])), best, text: section };
    });
}

const maxCell = (table: MarkdownTable) =>
  Math.max(...Object.values(table.cells).filter(Boolean).map(Number)).toFixed(2);

describe('report tables: one complete setting each', () => {
  const weights = { weightsSha256: '3f2a9c1b7d0e'.padEnd(64, '0'), weightsFile: '/w/googlenet.pt' };
  // Each case: two settings of the same data set, two cells each; the second setting's relu cell is the best of all.
  test.each<[string, Partial<TrialSpec>, Partial<TrialSpec>, string]>([
    ['weight decay', {}, { settings: { weightDecay: 0.001 } }, 'wd 0.001'],
    ['frozen feature epochs', { settings: weights }, { settings: { ...weights, freezeEpochs: 3 } }, 'features frozen for 3 epochs'],
    ['pretrained weights', {}, { settings: weights }, 'weights 3f2a9c1b'],
    ['packed data (fingerprint)', {}, { fingerprint: '9e8d7c6b'.padEnd(64, '1') }, 'data 9e8d7c6b'],
    ['face crop', {}, { fingerprint: '9e8d7c6b'.padEnd(64, '1'), settings: { preprocess: { size: 16, color: 'grey', face: 'none', margin: 0.2 } } }, 'no face detection'],
    // A setting the condition line has no words for still splits the table and is named.
    ['a setting added later', {}, { settings: { labelSmoothing: 0.1 } }, 'labelSmoothing 0.1'],
  ])('trials that differ only in %s make two tables, each cell its own trial', async (_name, base, other, fragment) => {
    const { data, md } = await report([
      { activation: 'relu', fitness: 0.4, ...base },
      { activation: 'elu', fitness: 0.55, ...base },
      { activation: 'relu', fitness: 0.9, ...other },
      { activation: 'elu', fitness: 0.3, ...other },
    ]);
    expect(data.tables).toHaveLength(2);
    const tables = markdownTables(md);
    expect(tables).toHaveLength(2);
    const withFragment = tables.filter((t) => t.heading.includes(fragment));
    expect(withFragment).toHaveLength(1);
    expect(withFragment[0].cells).toEqual({ relu: '90.00', elu: '30.00' });
    const plain = tables.find((t) => t !== withFragment[0]) as MarkdownTable;
    expect(plain.cells).toEqual({ relu: '40.00', elu: '55.00' });
    expect(plain.heading).not.toBe(withFragment[0].heading);
    for (const table of tables) expect(table.best).toBe(maxCell(table));
  });

  test('the condition line names the complete setting, weight decay included', async () => {
    const settings = { learningRate: 0.001, weightDecay: 0.0005, folds: 1, validationFraction: 0.25, seed: 3, firstKernel: 0, amp: false, augment: true };
    const { md } = await report([{ activation: 'relu', fitness: 0.5, settings }]);
    expect(markdownTables(md)[0].heading).toBe('synthetic: accuracy (%) — 16 px grey, 2 epochs, batch 8, lr 0.001, wd 0.0005, hold-out 0.25, seed 3');
  });

  test('classes that differ between tables of one data set are named', async () => {
    const { md } = await report([
      { activation: 'relu', fitness: 0.5 },
      { activation: 'relu', fitness: 0.7, settings: { classes: ['anger', 'happiness'] } },
    ]);
    const headings = markdownTables(md).map((t) => t.heading);
    expect(headings).toHaveLength(2);
    expect(headings.some((h) => h.includes('classes anger/happiness/neutral'))).toBe(true);
    expect(headings.some((h) => h.includes('classes anger/happiness') && !h.includes('neutral'))).toBe(true);
  });

  test('placement and "off" values do not split a table', async () => {
    const { data } = await report([
      { activation: 'relu', fitness: 0.5 },
      { activation: 'elu', fitness: 0.6, settings: { device: 'cuda:0', threads: 8, freezeEpochs: 0, partialWeights: false } },
    ]);
    expect(data.tables).toHaveLength(1);
    expect(data.tables[0].cells).toHaveLength(2);
  });

  test('settings that do nothing where they are set do not split a table, however a trial stored them', async () => {
    // Before settings were canonical a trial kept its hold-out fraction under k-fold and its freezing without weights.
    const { data } = await report([
      { activation: 'relu', fitness: 0.5, settings: { folds: 5, validationFraction: 0.2, freezeEpochs: 3, partialWeights: true, trainerVersion: undefined } },
      { activation: 'elu', fitness: 0.6, settings: { folds: 5, validationFraction: null, freezeEpochs: null, partialWeights: null, trainerVersion: 2 } },
    ]);
    expect(data.tables).toHaveLength(1);
    expect(data.tables[0].condition).toContain('5-fold');
    expect(data.tables[0].mixedVersions).toBe('mixes trainer versions 2, unrecorded');
  });

  test('a table whose cells come from different trainer and libtorch versions says so, in every format', async () => {
    const { data, md } = await report([
      { activation: 'relu', fitness: 0.5 },
      { activation: 'elu', fitness: 0.6, settings: { trainerVersion: 2 }, libtorch: '2.6.0' },
    ]);
    expect(data.tables).toHaveLength(1);
    const note = 'mixes trainer versions 1, 2 and libtorch 2.5.1, 2.6.0';
    expect(data.tables[0].mixedVersions).toBe(note);
    expect(markdownTables(md)[0].text).toContain(note);
    expect(renderReport(data, 'html')).toContain(note);
    expect(JSON.parse(renderReport(data, 'json')).tables[0].mixedVersions).toBe(note);
    const csv = renderReport(data, 'csv').trim().split('\n');
    expect(csv).toHaveLength(3);
    for (const line of csv.slice(1)) expect(line).toContain(note);
  });

  test('a table of one version has no version note', async () => {
    const { data, md } = await report([
      { activation: 'relu', fitness: 0.5 },
      { activation: 'elu', fitness: 0.6 },
    ]);
    expect(data.tables[0].mixedVersions).toBeNull();
    expect(md).not.toContain('mixes');
  });

  test('two trials of one cell and one complete setting: the newest is shown, and the report says so', async () => {
    const { data, md } = await report([
      { activation: 'relu', fitness: 0.4 },
      { activation: 'relu', fitness: 0.8, settings: { trainerVersion: 2 } },
    ]);
    expect(data.tables).toHaveLength(1);
    const [table] = markdownTables(md);
    expect(table.cells).toEqual({ relu: '80.00' });
    expect(table.best).toBe('80.00');
    expect(table.text).toMatch(/1 older trial .*newest/);
    // The cell shown is of one version, so nothing is mixed.
    expect(data.tables[0].mixedVersions).toBeNull();
    // Every trial is still listed.
    expect(data.trials).toHaveLength(2);
  });
});
