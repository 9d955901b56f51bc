import { execFileSync, spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';

const ROOT = path.resolve(__dirname, '..');

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-ga-package-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A PATH with node, npm and shell tools, and no compiler or build tool. */
function compilerFreePath(): string {
  const bin = path.join(tmp, 'bin');
  fs.mkdirSync(bin, { recursive: true });
  const tools = ['sh', 'bash', 'env', 'cat', 'ls', 'cp', 'mv', 'rm', 'mkdir', 'chmod', 'ln', 'tar', 'gzip', 'sed', 'grep', 'uname', 'dirname', 'basename', 'readlink'];
  fs.symlinkSync(process.execPath, path.join(bin, 'node'));
  const npmCli = fs.realpathSync(spawnSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).stdout.trim());
  fs.writeFileSync(path.join(bin, 'npm'), `#!/bin/sh\nexec "${process.execPath}" "${npmCli}" "$@"\n`, { mode: 0o755 });
  fs.writeFileSync(path.join(bin, 'npx'), `#!/bin/sh\nexec "${process.execPath}" "${path.join(path.dirname(npmCli), 'npx-cli.js')}" "$@"\n`, { mode: 0o755 });
  for (const tool of tools) {
    const found = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    if (found) fs.symlinkSync(found, path.join(bin, tool));
  }
  return bin;
}

describe('the npm package', () => {
  test('npm pack ships the prebuild, the JS and its types, and nothing from tests or builds', () => {
    execFileSync(process.execPath, [path.join(ROOT, 'scripts/prebuild.js')], { cwd: ROOT, stdio: 'pipe' });
    const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })) as Array<{
      filename: string;
      size: number;
      files: Array<{ path: string }>;
    }>;
    const files = packed[0].files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['dist/index.js', 'dist/index.d.ts', 'dist/cli/main.js', 'bin/fer-ga.js', 'prebuilds/linux-x64/manifest.json', 'package.json']));
    expect(files.some((f) => /^prebuilds\/linux-x64\/fer_ga-libtorch[\d.]+-cpu\.node$/.test(f))).toBe(true);
    expect(files.filter((f) => /^(test|src|build|node_modules|\.gpu|\.fer-ga-cache)\//.test(f) || /\.test\.|\.tsbuildinfo$/.test(f))).toEqual([]);
    expect(packed[0].size).toBeLessThan(2_000_000);
    fs.renameSync(path.join(tmp, packed[0].filename), path.join(tmp, 'fer-ga.tgz'));
  }, 120000);

  test('installs and runs with no compiler on PATH: the prebuild loads, `fer-ga info` and require work', () => {
    const bin = compilerFreePath();
    const env = { ...process.env, PATH: bin, ONNXRUNTIME_NODE_INSTALL: 'skip', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };
    for (const tool of ['g++', 'gcc', 'cc', 'c++', 'make', 'cmake']) {
      expect(spawnSync('sh', ['-c', `command -v ${tool}`], { env }).status).not.toBe(0);
    }
    const project = path.join(tmp, 'project');
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
    const npm = (...args: string[]) => spawnSync('npm', args, { cwd: project, env, encoding: 'utf8' });
    // Scripts off for the install itself: better-sqlite3's would download its own prebuilt
    // binary from GitHub, which this test machine cannot reach. That same binary is put
    // where the download would, then fer-ga's own install step runs, still compiler-free.
    const install = npm('install', '--ignore-scripts', '--omit=optional', path.join(tmp, 'fer-ga.tgz'));
    expect(install.stderr).not.toMatch(/ERR!/);
    expect(install.status).toBe(0);
    const sqlite = path.join(project, 'node_modules/better-sqlite3/build/Release');
    fs.mkdirSync(sqlite, { recursive: true });
    fs.copyFileSync(path.join(ROOT, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'), path.join(sqlite, 'better_sqlite3.node'));
    const rebuild = npm('rebuild', 'fer-ga', '--foreground-scripts');
    expect(rebuild.status).toBe(0);
    expect(rebuild.stdout).toMatch(/fer-ga: using the prebuilt addon prebuilds\/linux-x64\/fer_ga-libtorch[\d.]+-cpu\.node/);
    expect(fs.existsSync(path.join(project, 'node_modules/fer-ga/build'))).toBe(false);

    const info = spawnSync('npx', ['fer-ga', 'info', '--json'], { cwd: project, env, encoding: 'utf8' });
    expect(info.stderr).toBe('');
    const parsed = JSON.parse(info.stdout) as { addon: string; addonSource: string; libtorch: string };
    expect(parsed.addonSource).toBe('prebuild');
    expect(parsed.addon.startsWith(path.join(project, 'node_modules/fer-ga/prebuilds/linux-x64/'))).toBe(true);

    const script = "const f = require('fer-ga'); f.describeNetwork({ model: 'alexnet', classes: 7, channels: 1, size: 64 }).then((d) => console.log(JSON.stringify({ models: f.MODELS, parameters: d.parameters })))";
    const required = spawnSync('node', ['-e', script], { cwd: project, env, encoding: 'utf8' });
    expect(required.stderr).toBe('');
    const out = JSON.parse(required.stdout) as { models: string[]; parameters: number };
    expect(out.models).toEqual(['alexnet', 'googlenet', 'vgg16', 'resnet50']);
    expect(out.parameters).toBeGreaterThan(1_000_000);
  }, 300000);
});
