/**
 * Decoding and face cropping with OpenCV: read (or take a video's middle frame), find
 * the largest face with the Haar cascade and add a margin, fall back to a centre crop
 * when no face is found (counted), resize, and lay the pixels out as C×S×S (RGB order
 * for colour). Runs several images at once on libuv's pool.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';

import type { Mat } from '@u4/opencv4nodejs';

import { UsageError } from '../util/errors';
import { HAAR_CASCADE_DIRS, openCv, type Cv } from './opencv';
import type { ImageRecord, SkippedItem } from './records';

/**
 * Version of this pipeline (decode, face detection, crop, resize, channel layout): bump it
 * with any change to the pixels it writes. It is part of every cache's source key and
 * content fingerprint, so a change means new caches and new trials.
 */
export const PREPROCESS_VERSION = 1;

export type ColorMode = 'grey' | 'rgb';
export type FaceMode = 'detect' | 'none';

export interface PreprocessSettings {
  size: number;
  color: ColorMode;
  face: FaceMode;
  /** Fraction of the face box added on each side before cropping (default 0.2). */
  margin: number;
}

export interface PreprocessedImages {
  /** The records that decoded, in input order. */
  kept: ImageRecord[];
  /** count × channels × size × size. */
  images: Uint8Array;
  skipped: SkippedItem[];
  faces: { detected: number; fallback: number };
}

const CASCADE = 'haarcascade_frontalface_default.xml';

export function haarCascadePath(): string {
  const found = HAAR_CASCADE_DIRS.map((d) => path.join(d, CASCADE)).find((f) => fs.existsSync(f));
  if (!found) throw new UsageError(`face detection needs ${CASCADE}: run \`sudo apt-get install opencv-data\` (or use --face none)`);
  return found;
}

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The largest square that fits, centred. */
function centreSquare(width: number, height: number): Box {
  const side = Math.min(width, height);
  return { x: Math.floor((width - side) / 2), y: Math.floor((height - side) / 2), width: side, height: side };
}

/** A square around the face box, grown by `margin` on each side and kept inside the image. */
function faceSquare(face: Box, width: number, height: number, margin: number): Box {
  const side = Math.min(Math.round(Math.max(face.width, face.height) * (1 + 2 * margin)), width, height);
  const cx = face.x + face.width / 2;
  const cy = face.y + face.height / 2;
  const x = Math.min(Math.max(0, Math.round(cx - side / 2)), width - side);
  const y = Math.min(Math.max(0, Math.round(cy - side / 2)), height - side);
  return { x, y, width: side, height: side };
}

/** Grey output decodes straight to grey: half the work of decoding colour and converting. */
async function decode(cv: Cv, record: ImageRecord, color: ColorMode): Promise<Mat> {
  if (record.video) {
    const capture = new cv.VideoCapture(record.path);
    try {
      const frames = capture.get(cv.CAP_PROP_FRAME_COUNT);
      if (frames > 1) capture.set(cv.CAP_PROP_POS_FRAMES, Math.floor(frames / 2));
      return capture.read();
    } finally {
      capture.release();
    }
  }
  return cv.imreadAsync(record.path, color === 'grey' ? cv.IMREAD_GRAYSCALE : cv.IMREAD_COLOR);
}

/** HWC (BGR or grey) bytes → CHW (RGB or grey) at `offset` of `out`. */
function writeChannelsFirst(pixels: Buffer, channels: number, size: number, out: Uint8Array, offset: number): void {
  const plane = size * size;
  if (channels === 1) {
    out.set(pixels.subarray(0, plane), offset);
    return;
  }
  for (let i = 0; i < plane; i++) {
    out[offset + i] = pixels[3 * i + 2];
    out[offset + plane + i] = pixels[3 * i + 1];
    out[offset + 2 * plane + i] = pixels[3 * i];
  }
}

export async function preprocessImages(
  records: ImageRecord[],
  settings: PreprocessSettings,
  onProgress: (done: number) => void = () => undefined,
): Promise<PreprocessedImages> {
  const cv = openCv();
  const { size, color, face, margin } = settings;
  const channels = color === 'grey' ? 1 : 3;
  const perImage = channels * size * size;
  const lanes = Math.max(2, Math.min(8, os.availableParallelism() * 2));
  // One cascade per lane: a CascadeClassifier is not safe to share between threads.
  const cascades = face === 'detect' ? Array.from({ length: lanes }, () => new cv.CascadeClassifier(haarCascadePath())) : [];

  const results: Array<Uint8Array | undefined> = new Array(records.length);
  const skipped: SkippedItem[] = [];
  const faces = { detected: 0, fallback: 0 };
  let next = 0;
  let done = 0;

  const processOne = async (index: number, lane: number): Promise<void> => {
    const record = records[index];
    let image: Mat | undefined;
    try {
      image = await decode(cv, record, color);
    } catch (error) {
      // OpenCV reports an unreadable file as an "empty Mat"; anything else is worth quoting.
      const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
      image = undefined;
      if (!/empty mat/i.test(detail)) {
        skipped.push({ path: record.path, reason: `cannot decode: ${detail}` });
        return;
      }
    }
    if (!image || image.empty || image.rows < 2 || image.cols < 2) {
      skipped.push({ path: record.path, reason: record.video ? 'cannot read a frame from the video' : 'cannot decode the image (corrupt or not an image)' });
      return;
    }
    const grey = image.channels === 1 ? image : await image.cvtColorAsync(cv.COLOR_BGR2GRAY);
    let box = centreSquare(image.cols, image.rows);
    if (face === 'detect') {
      const minSide = Math.max(24, Math.floor(Math.min(image.cols, image.rows) / 8));
      const found = await cascades[lane].detectMultiScaleAsync(grey, {
        scaleFactor: 1.1,
        minNeighbors: 4,
        minSize: new cv.Size(minSide, minSide),
      });
      const largest = found.objects.sort((a, b) => b.width * b.height - a.width * a.height)[0];
      if (largest) {
        box = faceSquare(largest, image.cols, image.rows, margin);
        faces.detected++;
      } else {
        faces.fallback++;
      }
    }
    const source = color === 'grey' ? grey : image.channels === 1 ? await image.cvtColorAsync(cv.COLOR_GRAY2BGR) : image;
    const cropped = source.getRegion(new cv.Rect(box.x, box.y, box.width, box.height));
    const resized = await cropped.resizeAsync(size, size, 0, 0, box.width > size ? cv.INTER_AREA : cv.INTER_LINEAR);
    const out = new Uint8Array(perImage);
    writeChannelsFirst(resized.getData(), channels, size, out, 0);
    results[index] = out;
  };

  const lane = async (laneIndex: number) => {
    while (next < records.length) {
      const index = next++;
      await processOne(index, laneIndex);
      onProgress(++done);
    }
  };
  await Promise.all(Array.from({ length: lanes }, (_, i) => lane(i)));

  const kept: ImageRecord[] = [];
  const images = new Uint8Array(results.filter(Boolean).length * perImage);
  results.forEach((pixels, i) => {
    if (!pixels) return;
    images.set(pixels, kept.length * perImage);
    kept.push(records[i]);
  });
  skipped.sort((a, b) => (a.path < b.path ? -1 : 1));
  return { kept, images, skipped, faces };
}
