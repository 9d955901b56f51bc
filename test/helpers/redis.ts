/**
 * A real Redis for queue tests: Debian's redis-server on a free loopback port, nothing
 * saved to disk, stopped by the test. Starting one on a given port again (after `stop`)
 * stands for a Redis restart.
 */
import { spawn, type ChildProcess } from 'child_process';
import fs from 'fs';
import net from 'net';
import os from 'os';
import path from 'path';

export const REDIS_SERVER = '/usr/bin/redis-server';

export interface RedisServer {
  /** `redis://127.0.0.1:PORT`. */
  url: string;
  port: number;
  /** Shuts it down and waits for the process to end (nothing is saved). */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

/** Resolves once the server accepts connections; rejects with its output if it exits first. */
function ready(child: ChildProcess, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => fail(new Error(`redis-server on port ${port} not ready after 10 s:\n${output}`)), 10000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        cleanup();
        resolve();
      }
    };
    const onExit = (): void => fail(new Error(`redis-server on port ${port} exited:\n${output}`));
    function cleanup(): void {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
    }
    function fail(error: Error): void {
      cleanup();
      child.kill('SIGKILL');
      reject(error);
    }
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
}

async function startOn(port: number, dir: string): Promise<RedisServer> {
  const child = spawn(REDIS_SERVER, [
    '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', dir,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr?.resume();
  await ready(child, port);
  // Drain its log so a chatty server never blocks on a full pipe.
  child.stdout?.resume();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      const done = exited(child);
      child.kill('SIGTERM');
      await done;
      // Nothing is saved there (no RDB, no AOF); the folder only gives the server a working directory.
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Starts a redis-server; on `port` when given (e.g. to restart one just stopped), on a
 * free port otherwise (tried again on another if the port was taken meanwhile).
 */
export async function startRedis(options: { port?: number } = {}): Promise<RedisServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-ga-redis-'));
  try {
    if (options.port !== undefined) return await startOn(options.port, dir);
    for (let attempt = 1; ; attempt++) {
      try {
        return await startOn(await freePort(), dir);
      } catch (error) {
        if (attempt >= 3) throw error;
      }
    }
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
