/** The SHA-256 of a file's bytes, the content identity fer-ga keys weights, fitness tables and blobs by. */
import crypto from 'crypto';
import fs from 'fs';

/** Read as a stream: packs and weights can be large. */
export async function sha256OfFile(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export function sha256OfFileSync(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}
