/** fer-ga's own version, from the package.json it ships with. */
import fs from 'fs';
import path from 'path';

export function packageVersion(): string {
  const manifest = path.resolve(__dirname, '../../package.json');
  return (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { version: string }).version;
}
