/**
 * The coordinator checks everything a worker sends back against what it asked: a worker
 * stand-in (a BullMQ worker in this process) returns crafted results, and each one that
 * differs from the trial asked for (settings, genes, folds, history, a state bound to
 * another trial) is refused in one line naming the difference; the genuine one is stored.
 */
import fs from 'fs';
import path from 'path';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';

import { prepareDataset, type PreparedDataset } from '../src/data/dataset';
import { putFileBlob } from '../src/queue/blobs';
import { connect, KEY_PREFIX, TRIAL_QUEUE } from '../src/queue/connection';
import { QueueTrainer } from '../src/queue/queue-trainer';
import { stateTag } from '../src/queue/state-blobs';
import { trialJobId, validateTrialJob, type TrialJobResult } from '../src/queue/trial-job';
import { keyOfTrial } from '../src/study/trial-key';
import { describeTrial, splitsFor, TRIAL_DEFAULTS, validationLabels, type TrialSettings } from '../src/study/trials';
import { smallSet, type SmallSet } from './helpers/cli';
import { startRedis, type RedisServer } from './helpers/redis';

let server: RedisServer;
let set: SmallSet;
let packed: PreparedDataset;
let redis: Redis;
let stand: Worker;
let standRedis: Redis;
let trainer: QueueTrainer;
/** How the stand-in spoils the result of a job, by job id. */
const spoil = new Map<string, (result: TrialJobResult) => Promise<void> | void>();

interface Fold {
  history: Array<Record<string, number>>;
  diverged: boolean;
  finalValidationAccuracy: number;
  resumedFromEpoch: number;
}

/** A fold's result as the native trainer gives it, trained from `from` to `until` epochs. */
function fold(from: number, until: number): Fold {
  const history = Array.from({ length: until }, (_, i) => ({ epoch: i + 1, trainLoss: 1, trainAccuracy: 0.5, validationLoss: 1, validationAccuracy: 0.5, seconds: 0.1 }));
  return { history, diverged: false, finalValidationAccuracy: 0.5, resumedFromEpoch: from };
}

beforeAll(async () => {
  server = await startRedis();
  set = await smallSet('queue-results');
  packed = await prepareDataset(`folder:${path.join(set.tmp, 'faces')}`, { size: 16, face: 'none', cacheDir: path.join(set.tmp, 'cache') });
  redis = connect(server.url);
  // Returns the record the trial asked for would have, from the job alone; then spoils it as the test says.
  stand = new Worker<unknown, TrialJobResult>(
    TRIAL_QUEUE,
    async (job) => {
      const data = validateTrialJob(job.data);
      const settings = data.settings as TrialSettings;
      const from = data.rung?.fromEpoch ?? 0;
      const until = data.rung?.untilEpoch ?? settings.epochs;
      const trial = {
        ...describeTrial(data.key, packed, settings, null, { device: 'cpu', threads: 1 }, data.cpuThreads),
        fitness: 0.5,
        diverged: false,
        result: { folds: [fold(from, until)] },
        seconds: 1,
        device: 'cpu',
        libtorch: 'stand-in',
      };
      const result: TrialJobResult = { trial, worker: 'stand-in/1' };
      if (until < settings.epochs) {
        const file = path.join(set.tmp, `${data.key}.ferstate`);
        fs.writeFileSync(file, `state of ${data.key}`);
        result.states = [await putFileBlob(redis, file, { state: stateTag({ key: data.key, epochs: until, fold: 1 }) })];
      }
      await spoil.get(String(job.id))?.(result);
      return result;
    },
    { connection: (standRedis = connect(server.url)), prefix: KEY_PREFIX },
  );
  trainer = await QueueTrainer.open(server.url);
});

afterAll(async () => {
  await trainer.close();
  await stand.close();
  standRedis.disconnect();
  redis.disconnect();
  await server.stop();
  fs.rmSync(set.tmp, { recursive: true, force: true });
});

function settingsFor(seed: number): TrialSettings {
  return { ...TRIAL_DEFAULTS, model: 'googlenet', activation: 'elu', optimizer: 'adam', epochs: 2, batchSize: 8, learningRate: 0.01, seed };
}

/** Trains trial `seed` on the queue, the stand-in spoiling its result with `how`. */
async function asked(seed: number, how?: (result: TrialJobResult) => Promise<void> | void, rung?: { untilEpoch: number }) {
  const settings = settingsFor(seed);
  const key = keyOfTrial(packed, settings, null, 1);
  const rungTraining = rung ? { untilEpoch: rung.untilEpoch, fromEpoch: 0, states: [], saveStates: [path.join(set.tmp, 'states', `${key}-e${rung.untilEpoch}.ferstate`)] } : undefined;
  const id = trialJobId({ key, settings, ...(rung ? { rung: { ...rung, fromEpoch: 0, states: [] } } : {}) });
  if (how) spoil.set(id, how);
  return trainer.train(key, packed, settings, null, 1, {}, rungTraining);
}

const foldsOf = (result: TrialJobResult) => (result.trial.result as { folds: Fold[] }).folds;

/** The true classes of the validation images of the trial `result` answers, as the coordinator's split gives them. */
const labelsOf = (result: TrialJobResult) => validationLabels(packed, splitsFor(packed, result.trial.settings as unknown as TrialSettings)[0]);

/** Gives fold 1 per-image predictions (base64, as stored), made by `predict` from the true classes. */
function withPredictions(result: TrialJobResult, predict: (labels: Uint8Array) => Uint8Array, labels = labelsOf(result)): void {
  Object.assign(foldsOf(result)[0], { predictions: Buffer.from(predict(labels)).toString('base64'), labels: Buffer.from(labels).toString('base64') });
}

test('the genuine result is stored, a diverged fold may hold fewer epochs', async () => {
  expect((await asked(1)).fitness).toBe(0.5);
  const diverged = await asked(2, (result) => {
    Object.assign(foldsOf(result)[0], { diverged: true, history: foldsOf(result)[0].history.slice(0, 1) });
    result.trial.diverged = true;
  });
  expect(diverged.diverged).toBe(true);
  const rung = await asked(3, undefined, { untilEpoch: 1 });
  expect(rung.fitness).toBe(0.5);
  // Per-image predictions of the split's validation images are kept as they came.
  const predicted = await asked(5, (result) => withPredictions(result, (labels) => labels.slice()));
  expect((predicted.result as { folds: Array<{ predictions: string }> }).folds[0].predictions).toBe(Buffer.from(validationLabels(packed, splitsFor(packed, settingsFor(5))[0])).toString('base64'));
});

test.each<[string, (result: TrialJobResult) => void, RegExp]>([
  ['settings', (r) => void (r.trial.settings.learningRate = 0.02), /returned settings\.learningRate 0\.02 where 0\.01 was asked$/],
  ['a setting it does not have', (r) => void (r.trial.settings.dropout = 0.5), /returned settings\.dropout 0\.5 where none was asked$/],
  ['genes', (r) => void (r.trial.genes.activation = 'relu'), /returned genes\.activation "relu" where "elu" was asked$/],
  ['the data set', (r) => void (r.trial.fingerprint = 'f'.repeat(64)), /returned trial\.fingerprint "f{64}" where "[0-9a-f]{64}" was asked$/],
  ['fold count', (r) => void foldsOf(r).push(fold(0, 2)), /returned 2 folds for 1 asked$/],
  ['history length', (r) => void foldsOf(r)[0].history.pop(), /returned fold 1 holds 1 epochs of history for 2 asked \(and did not diverge\)$/],
  ['a longer history', (r) => void foldsOf(r)[0].history.push({ epoch: 3 }), /returned fold 1 holds 3 epochs of history for 2 asked$/],
  ['fitness', (r) => void (r.trial.fitness = 0.9), /returned fitness 0\.9, but its folds' mean final accuracy is 0\.5$/],
  ['predictions of fewer images', (r) => withPredictions(r, (labels) => labels.slice(1), labelsOf(r).slice(1)), /returned fold 1 holds \d+ predictions for \d+ validation images$/],
  ['labels that are not the images\' classes', (r) => withPredictions(r, (labels) => labels, labelsOf(r).map((l) => (l + 1) % 7)), /returned fold 1's labels are not the validation images' classes$/],
  ['a class the data set does not have', (r) => withPredictions(r, (labels) => labels.map(() => 7)), /returned fold 1 predicts a class the data set does not have$/],
])('refused in one line: %s', async (_what, how, message) => {
  // A trial of its own for each case: a job's id is its key.
  const refusal = asked(10 + spoil.size, how);
  await expect(refusal).rejects.toThrow(message);
  await expect(refusal).rejects.toThrow(/^trial [0-9a-f]{64} failed after \d+ attempts?: worker stand-in\/1 returned [^\n]*$/);
});

test('a rung state bound to another trial is refused', async () => {
  const other = 'e'.repeat(64);
  const refusal = asked(4, async (result) => {
    const file = path.join(set.tmp, 'other.ferstate');
    fs.writeFileSync(file, 'a state of another trial');
    result.states = [await putFileBlob(redis, file, { state: stateTag({ key: other, epochs: 1, fold: 1 }) })];
  }, { untilEpoch: 1 });
  await expect(refusal).rejects.toThrow(new RegExp(`returned state [0-9a-f]{64} is the state of ${other}-e1-fold1, not of [0-9a-f]{64}-e1-fold1$`));
});
