#!/usr/bin/env node
'use strict';
// Trials on a queue against trials trained here: the demo's grid (3 × 3) and GA on the
// built-in synthetic set, timed locally (one trial at a time, then two at once) and on a
// queue with 1, 2 and 3 workers (one thread each), and the queue's own cost per trial:
// enqueue → start (an idle worker picks the job up) and result → stored (the coordinator
// has the worker's result in its results file), from BullMQ's job times and the stored
// trials' times. Starts its own redis-server on a free loopback port. Run after
// `npm run build:ts`:
//
//   node scripts/bench-queue.js [--size 32] [--epochs 2] [--workers 1,2,3] [--probes 5]

const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');

const Database = require('better-sqlite3');
const { Queue } = require('bullmq');

const { connect, KEY_PREFIX, TRIAL_QUEUE } = require('../dist/queue/connection');

const BIN = path.resolve(__dirname, '../bin/fer-ga.js');

function flag(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const size = Number(flag('size', 32));
const epochs = Number(flag('epochs', 2));
const workerCounts = flag('workers', '1,2,3').split(',').map(Number);
const probes = Number(flag('probes', 5));

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-ga-bench-queue-'));
// Workers and Redis never outlive the script, however it ends.
const children = new Set();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
  fs.rmSync(tmp, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => process.exit(1));

function startChild(command, args, stdio) {
  const child = spawn(command, args, { stdio });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

// The demo's network, set, batch, learning rate, GA and grid; smaller images and fewer epochs.
const dataset = ['--dataset', 'synthetic', '--cache', path.join(tmp, 'cache'), '--size', String(size), '--face', 'none'];
const training = (trial = { epochs, seed: 1 }) =>
  [...dataset, '--epochs', String(trial.epochs), '--batch-size', '32', '--lr', '0.001', '--seed', String(trial.seed), '--threads', '1'];
const studies = {
  grid: ['grid', ...training(), '--models', 'googlenet'],
  ga: ['evolve', ...training(), '--model', 'googlenet', '--population', '6', '--generations', '5'],
};

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once `stream` of `child` has said `text`; rejects with what it said if `child` exits first. */
async function untilSaid(child, stream, text) {
  await new Promise((resolve, reject) => {
    let said = '';
    child[stream].on('data', (chunk) => {
      said += chunk;
      if (said.includes(text)) resolve();
    });
    child.once('exit', () => reject(new Error(`${child.spawnargs.join(' ')} exited:\n${said}`)));
  });
  child[stream].resume();
}

async function startRedis() {
  const port = await freePort();
  const child = startChild('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tmp], ['ignore', 'pipe', 'inherit']);
  await untilSaid(child, 'stdout', 'Ready to accept connections');
  return { url: `redis://127.0.0.1:${port}`, child };
}

/** Runs the CLI to its end; its wall time in seconds. */
function timed(args) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`fer-ga ${args[0]} exited ${result.status}:\n${result.stderr}`);
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, json: JSON.parse(result.stdout) };
}

async function startWorkers(url, count) {
  const workers = [];
  for (let i = 0; i < count; i++) {
    const child = startChild(process.execPath, [BIN, 'worker', '--queue', url, '--device', 'cpu', '--threads', '1', '--cache', path.join(tmp, `worker-${i}`)], ['ignore', 'ignore', 'pipe']);
    await untilSaid(child, 'stderr', 'taking trials');
    workers.push(child);
  }
  return workers;
}

async function stopWorkers(workers) {
  await Promise.all(workers.map((child) => new Promise((resolve) => {
    child.once('exit', resolve);
    child.kill('SIGTERM');
  })));
}

/** Per trial of the last queue run: ms from queued to started by a worker, and from its result to its row in `db`. */
async function queueTimes(redis, db) {
  const queue = new Queue(TRIAL_QUEUE, { connection: redis, prefix: KEY_PREFIX });
  const jobs = await queue.getJobs(['completed'], 0, -1);
  await queue.close();
  const handle = new Database(db, { readonly: true });
  const stored = new Map(handle.prepare('SELECT key, created_at FROM trials').all().map((row) => [row.key, Date.parse(row.created_at)]));
  handle.close();
  return jobs
    .filter((job) => stored.has(job.id))
    .map((job) => ({ toStart: job.processedOn - job.timestamp, toStored: stored.get(job.id) - job.finishedOn }));
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main() {
  console.log(`googlenet, synthetic set (840 images), ${size} px, ${epochs} epochs, batch 32, one thread a trial; load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
  // The set is drawn and packed once, outside every timing.
  spawnSync(process.execPath, [BIN, 'prepare', ...dataset], { stdio: 'ignore' });
  const rows = [];
  let run = 0;
  const db = () => path.join(tmp, `results-${++run}.db`);
  for (const parallel of [1, 2]) {
    const row = { where: `here, --parallel ${parallel}` };
    for (const [name, args] of Object.entries(studies)) {
      const { seconds, json } = timed([...args, '--parallel', String(parallel), '--db', db(), '--json']);
      row[name] = { seconds, trials: json.trainings };
    }
    rows.push(row);
    console.log(JSON.stringify(row));
  }

  const redis = await startRedis();
  const client = connect(redis.url);
  const overhead = { toStart: [], toStored: [] };
  try {
    for (const count of workerCounts) {
      const row = { where: `queue, ${count} worker${count === 1 ? '' : 's'}` };
      for (const [name, args] of Object.entries(studies)) {
        // Each run starts from an empty queue, so no trial is answered by an earlier run's job.
        await client.flushall();
        const workers = await startWorkers(redis.url, count);
        const file = db();
        const { seconds, json } = timed([...args, '--db', file, '--json', '--queue', redis.url]);
        for (const t of await queueTimes(client, file)) overhead.toStored.push(t.toStored);
        await stopWorkers(workers);
        row[name] = { seconds, trials: json.trainings };
      }
      rows.push(row);
      console.log(JSON.stringify(row));
    }
    // One trial at a time to an idle worker: enqueue → start is then the queue's alone.
    await client.flushall();
    const workers = await startWorkers(redis.url, 1);
    for (let seed = 1; seed <= probes; seed++) {
      const file = db();
      timed(['train', ...training({ epochs: 1, seed: 100 + seed }), '--model', 'googlenet', '--db', file, '--json', '--queue', redis.url]);
      for (const t of await queueTimes(client, file)) overhead.toStart.push(t.toStart);
    }
    await stopWorkers(workers);
  } finally {
    client.disconnect();
  }

  console.log('\nwhere                  grid s (trials)   GA s (trials)');
  for (const row of rows) {
    const cell = (c) => `${c.seconds.toFixed(1).padStart(6)} (${c.trials})`.padEnd(17);
    console.log(`${row.where.padEnd(22)} ${cell(row.grid)} ${cell(row.ga)}`.trimEnd());
  }
  const ms = (values) => `median ${median(values).toFixed(0)} ms, max ${Math.max(...values).toFixed(0)} ms (${values.length} trials)`;
  console.log(`\nenqueue → start (idle worker): ${ms(overhead.toStart)}`);
  console.log(`result → stored:               ${ms(overhead.toStored)}`);
  console.log(`\n${JSON.stringify({ size, epochs, rows, overhead })}`);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(`bench-queue: ${error.message}`);
    process.exit(1);
  },
);
