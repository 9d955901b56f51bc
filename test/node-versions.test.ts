import { spawnSync } from 'child_process';
import fs from 'fs';
import path from 'path';

// `npm test` runs this suite on Node 20 and again on Node 24 (scripts/test.sh); these tests
// make sure each pass really is on the Node it claims, all the way down to the CLI processes,
// and that `engines` names it.
const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'bin/fer-ga.js');

/** `engines.node` is caret ranges joined by `||`: one must hold the running version. */
function enginesAllow(range: string, version: string): boolean {
  const parse = (v: string) => v.replace(/^[v^]/, '').split('.').map(Number);
  const [major, minor, patch] = parse(version);
  return range.split('||').some((part) => {
    const [m, n, p] = parse(part.trim());
    return major === m && (minor > n || (minor === n && patch >= p));
  });
}

describe('the Node this pass runs on', () => {
  test('is the one the pass was started for, and package.json engines names it', () => {
    const wanted = process.env.FER_GA_TEST_NODE;
    if (wanted) expect(process.versions.node.split('.')[0]).toBe(wanted);
    const engines = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
    expect(enginesAllow(engines, process.version)).toBe(true);
    expect(enginesAllow(engines, 'v22.12.0')).toBe(false);
  });

  test('the CLI runs on it with the local addon build, SQLite and OpenCV', () => {
    const info = spawnSync(process.execPath, [BIN, 'info', '--json'], { encoding: 'utf8' });
    expect(info.stderr).toBe('');
    const parsed = JSON.parse(info.stdout) as { node: string; addonSource: string; opencv: { available: boolean } };
    expect(parsed.node).toBe(process.version);
    // One Node-API build of fer-ga's addon serves every Node.
    expect(parsed.addonSource).toBe('build');
    const opencvInstalled = fs.existsSync(path.join(ROOT, 'node_modules/@u4/opencv4nodejs/build/Release/opencv4nodejs.node'));
    expect(parsed.opencv.available).toBe(opencvInstalled);

    const sqlite = spawnSync(process.execPath, ['-e', "console.log(new (require('better-sqlite3'))(':memory:').prepare('select 6 * 7 as x').get().x)"], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(sqlite.stderr).toBe('');
    expect(sqlite.stdout).toBe('42\n');
  });
});
