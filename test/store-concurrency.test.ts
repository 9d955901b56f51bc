/**
 * One results file shared by several processes: real child processes (test/helpers/store-child.js,
 * running the compiled store in dist/) on a real SQLite file.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import readline from 'readline';

import { isAbortError, isUsageError } from '../src/util/errors';
import { describeHolder, isClaimLostError, newClaimOwner, type ClaimOwner } from '../src/store/claims';
import { withRunOwnership } from '../src/store/run-ownership';
import { Store, type TrialRecord } from '../src/store/store';
import { trainOnce } from '../src/store/train-once';

const CHILD = path.resolve(__dirname, 'helpers/store-child.js');

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-ga-store-concurrency-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Answer {
  ok: boolean;
  error?: string;
  results?: Array<{ key: string; fitness: number; cached: boolean }>;
}

// Every child a test starts, killed after it whatever its outcome.
const children = new Set<ChildProcessWithoutNullStreams>();
afterEach(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
});

/** Starts the child script in `mode`; `exited` rejects with its stderr when it fails. */
function startChild(...args: string[]): { child: ChildProcessWithoutNullStreams; lines: readline.Interface; exited: Promise<void> } {
  const child = spawn(process.execPath, [CHILD, ...args]);
  children.add(child);
  let stderr = '';
  child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
  const exited = new Promise<void>((resolve, reject) =>
    child.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`child ${args[0]} ended with ${code ?? signal}: ${stderr}`)))),
  );
  exited.catch(() => undefined);
  return { child, lines: readline.createInterface({ input: child.stdout }), exited };
}

/** Child processes that each take one command per line, all started once and reused round after round. */
class Servers {
  private readonly servers: Array<ReturnType<typeof startChild> & { waiting: Array<(answer: Answer) => void> }>;

  constructor(count: number) {
    this.servers = Array.from({ length: count }, () => {
      const server = { ...startChild('serve'), waiting: [] as Array<(answer: Answer) => void> };
      server.lines.on('line', (line) => server.waiting.shift()?.(JSON.parse(line) as Answer));
      return server;
    });
  }

  /** Sends one command to every child at once; their answers, in child order. */
  ask(command: Record<string, unknown>): Promise<Answer[]> {
    const line = `${JSON.stringify(command)}\n`;
    const answers = this.servers.map(
      (server) =>
        new Promise<Answer>((resolve, reject) => {
          server.waiting.push(resolve);
          server.exited.then(() => reject(new Error('child ended before answering')), reject);
        }),
    );
    for (const server of this.servers) server.child.stdin.write(line);
    return Promise.all(answers);
  }
}

test('several processes opening one fresh results file at once all succeed', async () => {
  const servers = new Servers(6);
  for (let round = 0; round < 40; round++) {
    const db = path.join(tmp, `open-${round}.db`);
    const answers = await servers.ask({ op: 'open', db });
    expect(answers.filter((a) => !a.ok).map((a) => `round ${round}: ${a.error}`)).toEqual([]);
    const store = new Store(db);
    expect(store.claimHolder('trial', 'none')).toBeUndefined();
    store.close();
  }
});

test('8 processes asking for the same 4 trials of a fresh results file train each exactly once, round after round', async () => {
  const rounds = 100;
  const keys = ['k1', 'k2', 'k3', 'k4'];
  const log = path.join(tmp, 'trainings.log');
  const servers = new Servers(8);
  for (let round = 0; round < rounds; round++) {
    const db = path.join(tmp, `train-${round}.db`);
    const answers = await servers.ask({ op: 'train', db, keys, log, round });
    expect(answers.filter((a) => !a.ok).map((a) => `round ${round}: ${a.error}`)).toEqual([]);
    // Every process got the one stored trial of each key, and one of them trained it.
    const store = new Store(db);
    for (const key of keys) {
      const got = answers.map((a) => a.results!.find((r) => r.key === key)!);
      expect(got.map((r) => r.fitness)).toEqual(got.map(() => store.findTrial(key)!.fitness));
      expect(got.filter((r) => !r.cached)).toHaveLength(1);
      expect(store.claimHolder('trial', key)).toBeUndefined();
    }
    store.close();
  }
  const trainings = new Map<string, number>();
  for (const line of fs.readFileSync(log, 'utf8').trim().split('\n')) {
    const [round, key] = line.split(' ');
    trainings.set(`${round} ${key}`, (trainings.get(`${round} ${key}`) ?? 0) + 1);
  }
  expect(trainings.size).toBe(rounds * keys.length);
  expect([...trainings].filter(([, count]) => count !== 1)).toEqual([]);
}, 120_000);

/** Starts a child in a holding mode; resolves once it has printed `ready`. */
async function startHolder(ready: string, ...args: string[]): Promise<ReturnType<typeof startChild>> {
  const holder = startChild(...args);
  await Promise.race([new Promise<void>((resolve) => holder.lines.on('line', (line) => line === ready && resolve())), holder.exited]);
  return holder;
}

function killed(child: ChildProcessWithoutNullStreams): Promise<void> {
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  child.kill('SIGKILL');
  return exited;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const rejection = (promise: Promise<unknown>): Promise<unknown> => promise.then(() => undefined, (error: unknown) => error);

function trialRecord(key: string, fitness: number): TrialRecord {
  return { key, dataset: 'd', fingerprint: 'f', model: 'm', genes: {}, settings: {}, fitness, diverged: false, result: {}, seconds: 0, device: 'cpu', libtorch: 'none' };
}

describe('a trial claimed by another process', () => {
  let db: string;
  let store: Store;
  beforeEach(() => {
    db = path.join(tmp, `claim-${Math.random().toString(36).slice(2)}.db`);
    store = new Store(db);
  });
  afterEach(() => store.close());

  test('is waited for, and read once its holder stores it', async () => {
    const holder = await startHolder('claimed', 'hold-trial', db, 'k');
    let waitedFor: number | undefined;
    let trained = false;
    const waiting = trainOnce(
      store,
      'k',
      async () => {
        trained = true;
        return trialRecord('k', 0.5);
      },
      { pollMs: 20, onWait: (h) => (waitedFor = h.pid) },
    );
    await sleep(200);
    expect(waitedFor).toBe(holder.child.pid);
    holder.child.stdin.write('done\n');
    const outcome = await waiting;
    expect(outcome.cached).toBe(true);
    expect(outcome.trial.result).toEqual({ by: holder.child.pid });
    expect(trained).toBe(false);
    await holder.exited;
  });

  test('stays held while its holder heartbeats, and is taken over at once when the holder is SIGKILLed', async () => {
    const holder = await startHolder('claimed', 'hold-trial', db, 'k');
    const me = newClaimOwner();
    expect(store.claimTrial('k', me, 60_000)).toMatchObject({ status: 'held', holder: { pid: holder.child.pid, host: os.hostname() } });
    // The holder's heartbeat (every 50 ms) keeps its claim live past a shorter timeout than this wait.
    await sleep(400);
    expect(store.claimTrial('k', me, 300).status).toBe('held');

    const controller = new AbortController();
    const waiting = trainOnce(store, 'k', async () => trialRecord('k', 0.5), { pollMs: 20, signal: controller.signal });
    await sleep(100);
    controller.abort();
    expect(isAbortError(await rejection(waiting))).toBe(true);

    await killed(holder.child);
    const started = Date.now();
    // A 60 s timeout: only noticing the holder's death frees the key this fast.
    const outcome = await trainOnce(store, 'k', async () => trialRecord('k', 0.75), { pollMs: 20, staleMs: 60_000 });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(outcome).toEqual({ trial: trialRecord('k', 0.75), cached: false });
    expect(store.claimHolder('trial', 'k')).toBeUndefined();
  });

  test('on another host is taken over once its heartbeat is older than the timeout', async () => {
    const elsewhere: ClaimOwner = { id: 'elsewhere:1:x', host: 'elsewhere', pid: 1 };
    expect(store.claimTrial('k', elsewhere).status).toBe('claimed');
    const me = newClaimOwner();
    expect(store.claimTrial('k', me, 200).status).toBe('held');
    await sleep(300);
    expect(store.claimTrial('k', me, 200).status).toBe('claimed');
    expect(store.heartbeatClaim('trial', 'k', elsewhere)).toBe(false);
    expect(store.claimHolder('trial', 'k')).toMatchObject({ id: me.id });
  });

  test("ends when its holder stores the trial; another owner's store leaves it alone and writes nothing", () => {
    const elsewhere: ClaimOwner = { id: 'elsewhere:1:x', host: 'elsewhere', pid: 1 };
    expect(store.claimTrial('k', elsewhere).status).toBe('claimed');
    const me = newClaimOwner();
    const refused = (() => {
      try {
        store.saveTrial(trialRecord('k', 0.1), me);
      } catch (error) {
        return error;
      }
    })();
    expect(isClaimLostError(refused)).toBe(true);
    expect((refused as Error).message).toBe(`the claim on trial k was taken over by another process (${describeHolder(store.claimHolder('trial', 'k')!)}); what was done under it is not stored`);
    expect(store.findTrial('k')).toBeUndefined();
    expect(store.claimHolder('trial', 'k')).toMatchObject({ id: elsewhere.id });
    // A store without an owner (no claim of its own) leaves the holder's claim too.
    store.saveTrial(trialRecord('k', 0.2));
    expect(store.claimHolder('trial', 'k')).toMatchObject({ id: elsewhere.id });
    // Once stored, a late holder gets the stored trial back and overwrites nothing.
    expect(store.saveTrial(trialRecord('k', 0.5), me)).toEqual(trialRecord('k', 0.2));
    expect(store.saveTrial(trialRecord('k', 0.5), elsewhere)).toEqual(trialRecord('k', 0.5));
    expect(store.claimHolder('trial', 'k')).toBeUndefined();
    expect(store.claimTrial('k', newClaimOwner())).toEqual({ status: 'stored', trial: trialRecord('k', 0.5) });
  });

  test('a rung is stored only by the holder of its claim', () => {
    const elsewhere: ClaimOwner = { id: 'elsewhere:1:x', host: 'elsewhere', pid: 1 };
    expect(store.claimRung('k', 2, elsewhere).status).toBe('claimed');
    const me = newClaimOwner();
    expect(() => store.saveRung({ ...trialRecord('k', 0.1), epochs: 2 }, me)).toThrow(/^the claim on trial k@e2 was taken over/);
    expect(store.findRung('k', 2)).toBeUndefined();
    expect(store.saveRung({ ...trialRecord('k', 0.3), epochs: 2 }, elsewhere)).toMatchObject({ fitness: 0.3 });
    expect(store.claimHolder('trial', 'k@e2')).toBeUndefined();
  });

  test('a holder whose claim is taken over (counted stale) stops, and waits for the new holder instead of storing its own', async () => {
    const other = new Store(db);
    try {
      const me = newClaimOwner();
      let aborted: unknown;
      let waitedFor: string | undefined;
      const mine = trainOnce(
        store,
        'k',
        (lost) =>
          new Promise<TrialRecord>((resolve, reject) => {
            const finished = setTimeout(() => resolve(trialRecord('k', 0.1)), 5_000);
            lost.addEventListener('abort', () => {
              clearTimeout(finished);
              aborted = lost.reason;
              reject(new Error('training stopped'));
            });
          }),
        { owner: me, heartbeatMs: 20, pollMs: 20, onWait: (holder) => (waitedFor = holder.id) },
      );
      while (other.claimHolder('trial', 'k')?.id !== me.id) await sleep(5);
      // Another process counts the claim stale (a missed heartbeat, a suspended host) and takes it.
      const taker = newClaimOwner();
      expect(other.claimTrial('k', taker, -1).status).toBe('claimed');
      while (aborted === undefined) await sleep(5);
      expect(isClaimLostError(aborted)).toBe(true);
      await sleep(60);
      expect(waitedFor).toBe(taker.id);
      expect(other.findTrial('k')).toBeUndefined();
      other.saveTrial(trialRecord('k', 0.9), taker);
      expect(await mine).toEqual({ trial: trialRecord('k', 0.9), cached: true });
      expect(other.findTrial('k')).toEqual(trialRecord('k', 0.9));
    } finally {
      other.close();
    }
  });

  test('a holder that trains on after losing its claim stores nothing over the new holder\'s result', async () => {
    const other = new Store(db);
    try {
      const me = newClaimOwner();
      let finish: () => void = () => undefined;
      const mine = trainOnce(store, 'k', () => new Promise<TrialRecord>((resolve) => (finish = () => resolve(trialRecord('k', 0.1)))), {
        owner: me,
        heartbeatMs: 20,
        pollMs: 20,
      });
      while (other.claimHolder('trial', 'k')?.id !== me.id) await sleep(5);
      const taker = newClaimOwner();
      expect(other.claimTrial('k', taker, -1).status).toBe('claimed');
      await sleep(60);
      // Its training ends while the new holder still trains: nothing stored, it waits.
      finish();
      await sleep(60);
      expect(other.findTrial('k')).toBeUndefined();
      expect(other.claimHolder('trial', 'k')).toMatchObject({ id: taker.id });
      other.saveTrial(trialRecord('k', 0.9), taker);
      expect(await mine).toEqual({ trial: trialRecord('k', 0.9), cached: true });
      expect(other.findTrial('k')).toEqual(trialRecord('k', 0.9));
    } finally {
      other.close();
    }
  });

  test('is released when its training fails, and the next claimant trains it', async () => {
    const failing = trainOnce(store, 'k', async () => {
      throw new Error('out of memory');
    });
    await expect(failing).rejects.toThrow('out of memory');
    expect(store.claimHolder('trial', 'k')).toBeUndefined();
    expect(await trainOnce(store, 'k', async () => trialRecord('k', 0.25))).toEqual({ trial: trialRecord('k', 0.25), cached: false });
    expect(await trainOnce(store, 'k', async () => trialRecord('k', 0.9))).toEqual({ trial: trialRecord('k', 0.25), cached: true });
  });
});

describe('a run', () => {
  let db: string;
  let store: Store;
  let run: number;
  beforeEach(() => {
    db = path.join(tmp, `run-${Math.random().toString(36).slice(2)}.db`);
    store = new Store(db);
    run = store.createRun('evolve', 'd', 'm', {});
  });
  afterEach(() => store.close());

  const heldBy = (pid: number | undefined) =>
    new RegExp(`^run ${run} is being run by another process \\(host ${os.hostname()}, pid ${pid}, since \\d{4}-\\d\\d-\\d\\dT[^)]*Z\\); wait for it or stop it$`);

  test('has one owner at a time: another is refused, naming the holder, until the holder lets go', async () => {
    const holder = await startHolder('held', 'hold-run', db, String(run));
    let worked = false;
    const refused = await rejection(withRunOwnership(store, run, async () => (worked = true)));
    expect(isUsageError(refused)).toBe(true);
    expect((refused as Error).message).toMatch(heldBy(holder.child.pid));
    expect(worked).toBe(false);

    const released = new Promise<void>((resolve) => holder.lines.on('line', (line) => line === 'released' && resolve()));
    holder.child.stdin.write('release\n');
    await released;
    expect(await withRunOwnership(store, run, async () => store.claimHolder('run', String(run))?.pid)).toBe(process.pid);
    expect(store.claimHolder('run', String(run))).toBeUndefined();
  });

  test('held by a SIGKILLed process is taken over at once', async () => {
    const holder = await startHolder('held', 'hold-run', db, String(run));
    const me = newClaimOwner();
    expect(() => store.acquireRun(run, me)).toThrow(heldBy(holder.child.pid));
    await killed(holder.child);
    store.acquireRun(run, me);
    expect(store.claimHolder('run', String(run))).toMatchObject({ id: me.id, pid: process.pid });
    store.releaseClaim('run', String(run), me);
  });
});
