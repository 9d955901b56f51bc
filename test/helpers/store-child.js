'use strict';
/**
 * A child process for test/store-concurrency.test.ts: the compiled store (dist/) used by a
 * separate process, as a second `fer-ga` would use it.
 *
 *   serve              one JSON command per stdin line, one JSON answer per stdout line:
 *                        {op:'open', db}                      open (create) the store and close it
 *                        {op:'train', db, keys, log, round}   trainOnce every key at once; each
 *                                                             training appends "round key pid" to log
 *   hold-trial DB KEY  trainOnce KEY: print "claimed", store it on a stdin line (or stdin's end)
 *   hold-run DB ID     own run ID, print "held"; release on a stdin line (or stdin's end), print "released"
 */
const fs = require('fs');
const readline = require('readline');

const dist = require('path').resolve(__dirname, '../../dist/store');
const { Store } = require(`${dist}/store`);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** The next line of stdin, or its end: a child never outlives the test that started it. */
function nextLine() {
  const lines = readline.createInterface({ input: process.stdin });
  return new Promise((resolve) => {
    lines.once('line', resolve);
    lines.once('close', resolve);
  }).finally(() => lines.close());
}

function trialRecord(key) {
  return {
    key,
    dataset: 'test',
    fingerprint: 'f',
    model: 'm',
    genes: {},
    settings: {},
    fitness: Math.random(),
    diverged: false,
    result: { by: process.pid },
    seconds: 0,
    device: 'cpu',
    libtorch: 'none',
  };
}

async function train({ db, keys, log, round }) {
  const { trainOnce } = require(`${dist}/train-once`);
  const store = new Store(db);
  try {
    const order = [...keys].sort(() => Math.random() - 0.5);
    return await Promise.all(
      order.map(async (key) => {
        const { trial, cached } = await trainOnce(
          store,
          key,
          async () => {
            fs.appendFileSync(log, `${round} ${key} ${process.pid}\n`);
            await sleep(5 + Math.random() * 20);
            return trialRecord(key);
          },
          { pollMs: 5 },
        );
        return { key, fitness: trial.fitness, cached };
      }),
    );
  } finally {
    store.close();
  }
}

async function serve() {
  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    const command = JSON.parse(line);
    let answer;
    try {
      if (command.op === 'open') new Store(command.db).close();
      answer = { ok: true, results: command.op === 'train' ? await train(command) : undefined };
    } catch (error) {
      answer = { ok: false, error: String(error && error.message) };
    }
    process.stdout.write(`${JSON.stringify(answer)}\n`);
  }
}

async function holdTrial(db, key) {
  const { trainOnce } = require(`${dist}/train-once`);
  const store = new Store(db);
  const training = async () => {
    process.stdout.write('claimed\n');
    await nextLine();
    return trialRecord(key);
  };
  await trainOnce(store, key, training, { heartbeatMs: 50 });
  store.close();
}

async function holdRun(db, id) {
  const { withRunOwnership } = require(`${dist}/run-ownership`);
  const store = new Store(db);
  await withRunOwnership(store, id, async () => {
    process.stdout.write('held\n');
    await nextLine();
  }, { heartbeatMs: 50 });
  store.close();
  process.stdout.write('released\n');
}

const [mode, ...args] = process.argv.slice(2);
const job = mode === 'serve' ? serve() : mode === 'hold-trial' ? holdTrial(args[0], args[1]) : mode === 'hold-run' ? holdRun(args[0], Number(args[1])) : Promise.reject(new Error(`unknown mode ${mode}`));
job.catch((error) => {
  process.stderr.write(`${error && error.stack}\n`);
  process.exit(1);
});
