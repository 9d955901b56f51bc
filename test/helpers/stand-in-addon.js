'use strict';
/**
 * A stand-in for the native addon, loaded with FER_GA_ADDON=this file: every training
 * follows a scripted learning curve, so orchestration (the GA, halving, grids, the store,
 * the queue) can be tested against known answers in milliseconds instead of by training.
 *
 * The script is the JSON file named by FER_GA_STAND_IN:
 *   {
 *     "cells": {                         // by "activation+optimizer" (or "model/activation+optimizer")
 *       "relu+adam": {
 *         "final": 0.9,                  // validation accuracy after the last epoch of the schedule
 *         "start": 0.2,                  // after epoch 1 (default final / 2); linear in between
 *         "accuracies": [0.1, 0.5],      // or explicitly, epoch by epoch (the last value repeats)
 *         "divergeAt": 2,                // the loss turns NaN in this epoch (epochs before it are kept)
 *         "divergeSeeds": [2],           // only for these training seeds (a fold's seed is seed + fold)
 *         "seedJitter": 0.03,            // the final accuracy moves by up to ± this with the training seed
 *         "fail": "out of memory"        // the training rejects with this message
 *       }
 *     },
 *     "default": { "final": 0.3 },      // any other cell
 *     "epochMs": 0                       // wall time an epoch takes (to stop a training midway)
 *   }
 * FER_GA_STAND_IN_LOG, when set, gets one JSON line per training call:
 * {cell, seed, from, until, epochs}. Each validation image's prediction is drawn from the
 * cell, seed and image, round(final · n) of them right, and the confusion matrix is theirs.
 * Training states (saveState / resumeState) are JSON
 * files holding the epoch reached and the history, so a continued rung equals training at once.
 */
const fs = require('fs');

const MODELS = [
  { name: 'alexnet', minSize: 63 },
  { name: 'googlenet', minSize: 15 },
  { name: 'vgg16', minSize: 32 },
  { name: 'resnet50', minSize: 1 },
];
const ACTIVATIONS = ['relu', 'leaky-relu', 'clipped-relu', 'elu', 'gelu', 'silu'];
const OPTIMIZERS = ['sgdm', 'rmsprop', 'adam', 'adamw', 'amsgrad', 'adagrad'];

function script() {
  const file = process.env.FER_GA_STAND_IN;
  return file ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
}

function cellOf(options, plan) {
  const cells = plan.cells || {};
  const name = `${options.activation || 'relu'}+${options.optimizer || 'adam'}`;
  return { name, curve: cells[`${options.model}/${name}`] || cells[name] || plan.default || { final: 0.5 } };
}

function accuracyAt(curve, epoch, epochs, seed = 1) {
  if (Array.isArray(curve.accuracies)) return curve.accuracies[Math.min(epoch, curve.accuracies.length) - 1];
  // seedJitter: the final accuracy moves by up to ± this much with the training seed, as a real training's does.
  const jitter = curve.seedJitter ? curve.seedJitter * (2 * draw(`jitter|${seed}`) - 1) : 0;
  const final = (curve.final ?? 0.5) + jitter;
  const start = curve.start ?? final / 2;
  return epochs <= 1 ? final : start + ((final - start) * (epoch - 1)) / (epochs - 1);
}

function divergesIn(curve, epoch, seed) {
  if (curve.divergeAt !== epoch) return false;
  return !Array.isArray(curve.divergeSeeds) || curve.divergeSeeds.includes(seed);
}

function record(epoch, accuracy) {
  return { epoch, trainLoss: 1 - accuracy, trainAccuracy: accuracy, validationLoss: 1 - accuracy, validationAccuracy: accuracy, seconds: 0.001 };
}

/** A number in [0, 1) from a string (FNV-1a): the same cell, seed and image always draw the same. */
function draw(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h / 2 ** 32;
}

/**
 * The predicted class of each validation image: round(accuracy · n) of them right, which
 * ones drawn from the cell, seed and image (so two cells differ image by image as two
 * trainings do), the others one class off.
 */
function predictionsOf(options, name, seed, accuracy) {
  const indices = Array.from(options.validationIndices);
  const correct = Math.round(accuracy * indices.length);
  const order = indices.map((image, i) => ({ i, d: draw(`${name}|${seed}|${image}`) })).sort((a, b) => a.d - b.d);
  const right = new Set(order.slice(0, correct).map((o) => o.i));
  return Uint8Array.from(indices, (image, i) => {
    const label = options.labels[image];
    return right.has(i) ? label : (label + 1) % options.classes;
  });
}

/** The confusion matrix of those predictions. */
function confusionOf(options, predictions) {
  const classes = options.classes;
  const matrix = Array.from({ length: classes }, () => new Array(classes).fill(0));
  Array.from(options.validationIndices).forEach((image, i) => (matrix[options.labels[image]][predictions[i]] += 1));
  return matrix;
}

async function train(options, onProgress, cancelled) {
  const plan = script();
  const { name, curve } = cellOf(options, plan);
  const epochs = options.epochs ?? 50;
  const until = options.untilEpoch ?? epochs;
  const seed = options.seed ?? 1;
  let history = [];
  if (options.resumeState) {
    const state = JSON.parse(fs.readFileSync(options.resumeState, 'utf8'));
    if (state.standIn !== true || state.cell !== name || state.seed !== seed || state.epochs !== epochs) {
      throw new Error(`stand-in addon: ${options.resumeState} is not a state of ${name} seed ${seed} over ${epochs} epochs`);
    }
    history = state.history;
  }
  const from = history.length;
  if (process.env.FER_GA_STAND_IN_LOG) {
    fs.appendFileSync(process.env.FER_GA_STAND_IN_LOG, `${JSON.stringify({ cell: name, model: options.model, seed, from, until, epochs })}\n`);
  }
  if (curve.fail) throw new Error(curve.fail);
  let diverged = false;
  for (let epoch = from + 1; epoch <= until; epoch++) {
    if (plan.epochMs) await new Promise((resolve) => setTimeout(resolve, plan.epochMs));
    if (cancelled()) {
      const error = new Error('training was cancelled');
      error.name = 'AbortError';
      throw error;
    }
    if (divergesIn(curve, epoch, seed)) {
      diverged = true;
      break;
    }
    const entry = record(epoch, accuracyAt(curve, epoch, epochs, seed));
    history.push(entry);
    onProgress({ kind: 'epoch', epoch, epochs, record: entry, imagesPerSecond: 1000 });
  }
  if (options.saveState && !diverged) {
    fs.writeFileSync(options.saveState, JSON.stringify({ standIn: true, cell: name, seed, epochs, history }));
  }
  if (options.checkpoint && !diverged) fs.writeFileSync(options.checkpoint, JSON.stringify({ standIn: true, cell: name }));
  const final = history.length > 0 ? history[history.length - 1].validationAccuracy : 0;
  const predictions = predictionsOf(options, name, seed, final);
  const best = history.reduce((a, b) => (b.validationAccuracy > a.validationAccuracy ? b : a), { epoch: 0, validationAccuracy: 0 });
  return {
    history,
    diverged,
    bestEpoch: best.epoch,
    resumedFromEpoch: from,
    epochsTrained: history.length - from,
    bestValidationAccuracy: best.validationAccuracy,
    finalValidationAccuracy: final,
    confusion: confusionOf(options, predictions),
    predictions: Buffer.from(predictions),
    seconds: 0.001 * (history.length - from),
    imagesPerSecond: 1000,
    device: 'cpu',
    threads: options.threads || 1,
    parameters: 1,
    execution: { amp: false, channelsLast: false, foreachOptimizer: false, dataOnDevice: false },
    weights: null,
    mean: new Array(options.channels).fill(0.5),
    std: new Array(options.channels).fill(0.25),
    libtorch: 'stand-in',
    checkpoint: options.checkpoint && !diverged ? options.checkpoint : null,
    settings: {
      model: options.model,
      classes: options.classes,
      channels: options.channels,
      size: options.size,
      activation: options.activation || 'relu',
      optimizer: options.optimizer || 'adam',
      batchSize: options.batchSize ?? 128,
      epochs,
      seed,
    },
  };
}

module.exports = {
  info() {
    return {
      libtorch: 'stand-in',
      cuda: { available: false, devices: 0, cudnn: false },
      cores: 2,
      defaultThreads: 1,
      mkldnn: false,
      openmp: false,
      parallel: 'stand-in',
      models: MODELS,
      activations: ACTIVATIONS,
      optimizers: OPTIMIZERS,
    };
  },
  async describeNetwork(spec) {
    const entry = MODELS.find((m) => m.name === spec.model);
    if (!entry) throw new Error(`unknown model ${spec.model}`);
    return { name: spec.model, parameters: 1, macs: 1, minSize: entry.minSize, modules: {}, stateDict: [] };
  },
  startTraining(options, onProgress) {
    let cancelled = false;
    return { promise: train(options, onProgress, () => cancelled), cancel: () => (cancelled = true) };
  },
  async loadCheckpoint(file) {
    throw new Error(`stand-in addon: cannot load checkpoint ${file}`);
  },
  async loadNetwork() {
    throw new Error('stand-in addon: cannot load networks');
  },
};
