/**
 * opencv4nodejs is an optional dependency loaded only when pixels must be decoded or
 * drawn, so training from a cache works on an install without OpenCV.
 */
import type * as OpenCv from '@u4/opencv4nodejs';

import { UsageError } from '../util/errors';

export type Cv = typeof OpenCv;

let cv: Cv | undefined;

export function openCv(): Cv {
  if (cv) return cv;
  try {
    // Its memory tracking reports Mats made on libuv's worker threads to V8 from those
    // threads, which corrupts the heap under load (a fatal GC check); we read with the
    // async functions, so it must be off. Read once, when the module loads.
    process.env.OPENCV4NODEJS_DISABLE_EXTERNAL_MEM_TRACKING ??= '1';
    // Its build helper logs set-up chatter to stdout on every load; stdout is for results.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const build = require('@u4/opencv-build') as { Log?: { silence?: boolean } };
    if (build.Log) build.Log.silence = true;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const loaded = require('@u4/opencv4nodejs') as Cv & { default?: Cv };
    cv = loaded.default ?? loaded;
  } catch (error) {
    const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new UsageError(
      `reading images needs OpenCV: run \`sudo apt-get install libopencv-dev opencv-data\` then \`npm run setup\` (${detail})`,
    );
  }
  return cv;
}

/** Debian's opencv-data puts the Haar cascades here. */
export const HAAR_CASCADE_DIRS = ['/usr/share/opencv4/haarcascades', '/usr/share/opencv/haarcascades', '/usr/local/share/opencv4/haarcascades'];

/**
 * The OpenCV version that decodes and resizes ("4.6.0"), or undefined on an install
 * without OpenCV (which can still train from caches it cannot check against a version).
 */
export function openCvVersion(): string | undefined {
  let loaded: Cv;
  try {
    loaded = openCv();
  } catch {
    return undefined;
  }
  const { major, minor, revision } = (loaded as unknown as { version: { major: number; minor: number; revision: number } }).version;
  return `${major}.${minor}.${revision}`;
}
