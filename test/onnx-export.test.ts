/**
 * @jest-environment ./test/helpers/shared-typed-arrays-environment.js
 */
/**
 * ONNX export checked against the addon: every network with every activation, the same
 * weights and input through libtorch and through onnxruntime-node, logits equal to 1e-4.
 * Then the CLI: export --format onnx, predict --model against predict --checkpoint (with
 * the addon made unloadable), the metadata, and bad input.
 */
import { spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';

import { onnx } from 'onnx-proto';

import { TrainedModel } from '../src/binding/model';
import { writeSyntheticDataset } from '../src/data/synthetic';
import { ACTIVATIONS, MODELS, type ModelName } from '../src/names';
import { agreementWithAddon, seededPixels, type TrainedNetwork } from '../src/onnx/addon-agreement';
import { exportedInfoOf } from '../src/onnx/checkpoint-export';
import { readMetadataProps } from '../src/onnx/read-metadata';

const BIN = path.resolve(__dirname, '../bin/fer-ga.js');
const OUTPUT = path.resolve(__dirname, '../test-output/onnx-export');
/** The smallest input each network is checked at (AlexNet's minimum is 63). */
const SIZES: Record<ModelName, number> = { alexnet: 63, googlenet: 32, vgg16: 32, resnet50: 32 };
const TOLERANCE = 1e-4;

let tmp: string;
let faces: string;
const keys: Partial<Record<ModelName, string>> = {};
const checkpoint = (model: ModelName) => path.join(tmp, `${model}.ckpt`);

function run(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-ga-onnx-'));
  fs.mkdirSync(OUTPUT, { recursive: true });
  faces = path.join(tmp, 'faces');
  await writeSyntheticDataset(faces, { subjects: 3, imagesPerClass: 1, seed: 8 });
  // One epoch: batch norms get running statistics of real images, weights move off their initialisation.
  for (const model of MODELS) {
    const trained = run(['train', '--dataset', `folder:${faces}`, '--size', String(SIZES[model]), '--face', 'none', '--cache', path.join(tmp, 'cache'),
      '--epochs', '1', '--batch-size', '8', '--threads', '1', '--db', path.join(tmp, 'results.db'), '--model', model, '--optimizer', 'adam',
      '--checkpoint', checkpoint(model), '--json']);
    expect(trained.stderr.split('\n').filter((l) => /error|fer-ga:/i.test(l))).toEqual([]);
    keys[model] = (JSON.parse(trained.stdout) as { key: string }).key;
  }
}, 240000);
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const agreement: Record<string, { bytes: number; worst: Record<string, number> }> = {};
afterAll(() => fs.writeFileSync(path.join(OUTPUT, 'agreement.json'), JSON.stringify(agreement, null, 2) + '\n'));

describe('every network with every activation: onnxruntime-node gives the addon\'s logits', () => {
  test.each([...MODELS])('%s', async (model) => {
    const trained = await TrainedModel.load(checkpoint(model));
    const network: TrainedNetwork = { spec: trained.spec, weights: await trained.stateDict(), normalisation: trained.normalisation, info: exportedInfoOf(trained) };
    trained.dispose();
    const { channels, size } = network.spec;
    const input = seededPixels(2, channels, size, 7);
    const worst: Record<string, number> = {};
    const logits: Record<string, number[][]> = {};
    let bytes = 0;
    for (const activation of ACTIVATIONS) {
      const result = await agreementWithAddon(network, activation, input);
      worst[activation] = result.worstDifference;
      logits[activation] = result.logits;
      if (activation === 'relu') bytes = result.bytes;
      expect(result.logits).toHaveLength(2);
      expect(result.worstDifference).toBeLessThanOrEqual(TOLERANCE);
    }
    // The two images give two answers (the batch is not collapsed) and the activation is applied.
    expect(logits.relu[0]).not.toEqual(logits.relu[1]);
    expect(logits.elu).not.toEqual(logits.relu);
    agreement[model] = { bytes, worst };
    console.log(`${model} ${size} px: ${(bytes / 1e6).toFixed(1)} MB; worst |Δlogit| ${Object.entries(worst).map(([a, d]) => `${a} ${d.toExponential(1)}`).join(', ')}`);
  }, 180000);

  test("clipped-relu's Clip sits at the network's own ceiling", async () => {
    const trained = await TrainedModel.load(checkpoint('googlenet'));
    const network: TrainedNetwork = { spec: trained.spec, weights: await trained.stateDict(), normalisation: trained.normalisation, info: exportedInfoOf(trained) };
    trained.dispose();
    const input = seededPixels(1, 1, 32, 11);
    // A ceiling low enough to bind: the graph must clip where libtorch's Hardtanh does.
    const low = await agreementWithAddon(network, 'clipped-relu', input, 0.02);
    const relu = await agreementWithAddon(network, 'relu', input);
    expect(low.worstDifference).toBeLessThanOrEqual(TOLERANCE);
    const apart = Math.max(...low.logits[0].map((v, i) => Math.abs(v - relu.logits[0][i])));
    expect(apart).toBeGreaterThan(10 * TOLERANCE);
  }, 60000);
});

describe('fer-ga export --format onnx and predict --model', () => {
  test('the file carries the preprocessing, the classes and the trial; predict --model answers as predict --checkpoint, without the addon', () => {
    const file = path.join(tmp, 'resnet50.onnx');
    const exported = run(['export', '--checkpoint', checkpoint('resnet50'), '--format', 'onnx', '--out', file]);
    expect(exported.stderr).toBe('');
    expect(exported.stdout).toMatch(/resnet50\.onnx: ONNX model of resnet50 relu, grey 32×32 .*fer-ga predict --model/);
    const props = readMetadataProps(file);
    const version = (JSON.parse(fs.readFileSync(path.resolve(__dirname, '../package.json'), 'utf8')) as { version: string }).version;
    expect(props).toMatchObject({
      'fer_ga.model': 'resnet50',
      'fer_ga.activation': 'relu',
      'fer_ga.classes': JSON.stringify(['anger', 'disgust', 'fear', 'happy', 'sadness', 'surprise', 'neutral']),
      'fer_ga.size': '32',
      'fer_ga.channels': '1',
      'fer_ga.color': 'grey',
      'fer_ga.face': 'none',
      'fer_ga.margin': '0.2',
      'fer_ga.trialKey': keys.resnet50,
      'fer_ga.version': version,
    });
    const model = onnx.ModelProto.decode(fs.readFileSync(file));
    expect(Number(model.opsetImport[0].version)).toBeGreaterThanOrEqual(17);
    expect(model.graph?.output?.map((o) => o.name)).toEqual(['logits', 'probabilities']);
    expect(model.graph?.input?.[0].type?.tensorType?.shape?.dim?.map((d) => d.dimParam || Number(d.dimValue))).toEqual(['batch', 1, 32, 32]);
    expect(model.graph?.node?.some((n) => n.name?.startsWith('aux'))).toBe(false);

    // Without a loadable addon --checkpoint fails, --model still works: libtorch is not needed for it.
    const noAddon = { ...process.env, FER_GA_ADDON: path.join(tmp, 'no-such-addon.node') };
    expect(run(['predict', '--checkpoint', checkpoint('resnet50'), faces], noAddon).code).not.toBe(0);
    const fromOnnx = run(['predict', '--model', file, faces, '--json'], noAddon);
    expect(fromOnnx.stderr).toBe('');
    const fromCheckpoint = run(['predict', '--checkpoint', checkpoint('resnet50'), faces, '--json']);
    type Output = { images: Array<{ file: string; expression: string; probabilities: Record<string, number> }>; accuracy: number };
    const a = JSON.parse(fromOnnx.stdout) as Output & { model: string };
    const b = JSON.parse(fromCheckpoint.stdout) as Output;
    expect(a.model).toBe(file);
    expect(a.images.map((p) => [p.file, p.expression])).toEqual(b.images.map((p) => [p.file, p.expression]));
    expect(a.images).toHaveLength(21);
    for (const [i, p] of a.images.entries()) {
      for (const [name, value] of Object.entries(p.probabilities)) expect(Math.abs(value - b.images[i].probabilities[name])).toBeLessThan(1e-5);
    }
    expect(a.accuracy).toBe(b.accuracy);
    // The printed table is the same table.
    const table = (args: string[], env?: NodeJS.ProcessEnv) => run(['predict', ...args, faces], env).stdout.split('\n');
    expect(table(['--model', file], noAddon)).toEqual(table(['--checkpoint', checkpoint('resnet50')]));
  }, 120000);

  test('bad input is one line naming the file or flag', () => {
    const line = (result: { code: number | null; stderr: string }, pattern: RegExp) => {
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(pattern);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    };
    const notes = path.join(tmp, 'notes.ckpt');
    fs.writeFileSync(notes, 'hello');
    line(run(['export', '--checkpoint', notes, '--format', 'onnx', '--out', path.join(tmp, 'n.onnx')]), /^fer-ga: checkpoint .*notes\.ckpt is not a readable fer-ga checkpoint: /);
    line(run(['export', '--checkpoint', checkpoint('googlenet'), '--out', path.join(tmp, 'g.txt')]), /^fer-ga: --out .*g\.txt: name a \.safetensors or \.onnx file, or give --format web/);
    line(run(['export', '--checkpoint', checkpoint('googlenet'), '--format', 'onnx', '--out', path.join(tmp, 'g.safetensors')]), /^fer-ga: --out .*g\.safetensors must end in \.onnx for --format onnx/);
    line(run(['export', '--checkpoint', checkpoint('googlenet'), '--format', 'pdf', '--out', path.join(tmp, 'g.pdf')]), /^fer-ga: --format must be one of safetensors, onnx, web \(got 'pdf'\)/);
    line(run(['export', '--checkpoint', checkpoint('googlenet'), '--format', 'web', '--out', notes]), /^fer-ga: --out .*notes\.ckpt is a file; --format web writes a folder$/m);

    // An ONNX model fer-ga did not write: the same graph with its metadata taken out.
    const file = path.join(tmp, 'googlenet.onnx');
    expect(run(['export', '--checkpoint', checkpoint('googlenet'), '--out', file]).code).toBe(0);
    const foreign = onnx.ModelProto.decode(fs.readFileSync(file));
    foreign.metadataProps = [];
    const foreignFile = path.join(tmp, 'foreign.onnx');
    fs.writeFileSync(foreignFile, onnx.ModelProto.encode(foreign).finish());
    const image = path.join(faces, 'happy', fs.readdirSync(path.join(faces, 'happy'))[0]);
    line(run(['predict', '--model', foreignFile, image]), /^fer-ga: --model .*foreign\.onnx: not a model written by fer-ga export \(its metadata lacks fer_ga\.classes, fer_ga\.size, fer_ga\.channels, fer_ga\.color, fer_ga\.face, fer_ga\.margin\)$/m);
    line(run(['predict', '--model', checkpoint('googlenet'), image]), /^fer-ga: --model .*googlenet\.ckpt: not an ONNX model/);
    line(run(['predict', '--model', path.join(tmp, 'missing.onnx'), image]), /^fer-ga: --model .*missing\.onnx: no such file$/m);
    line(run(['predict', '--model', file, notes]), /^fer-ga: image .*notes\.ckpt cannot be used: /);
    line(run(['predict', '--model', file, '--checkpoint', checkpoint('googlenet'), image]), /^fer-ga: predict needs one of --checkpoint FILE or --model FILE\.onnx$/m);
  }, 60000);
});
