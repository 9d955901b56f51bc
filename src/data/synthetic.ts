/**
 * The built-in data set: procedural faces drawn with OpenCV. Each subject has its own
 * face shape, skin tone, eye spacing and size, brow and mouth geometry; each image its
 * own pose (rotation, shift, scale), lighting (gain, offset, a gradient), noise, blur and
 * expression intensity, so weak expressions approach neutral and components matter.
 * Written as PNG files in the folder layout (ROOT/<class>/<subject>_<n>.png) so the
 * real pipeline (indexing, preprocessing, caching) runs on it. Deterministic per seed.
 */
import fs from 'fs';
import path from 'path';

import type { Mat } from '@u4/opencv4nodejs';

import { UsageError } from '../util/errors';
import { Random } from '../util/random';
import { openCv, type Cv } from './opencv';

export const SYNTHETIC_CLASSES = ['anger', 'disgust', 'fear', 'happy', 'sadness', 'surprise', 'neutral'] as const;
type SyntheticClass = (typeof SYNTHETIC_CLASSES)[number];

export interface SyntheticOptions {
  subjects?: number;
  imagesPerClass?: number;
  seed?: number;
  /** Side of the written images in pixels. */
  size?: number;
}

export const SYNTHETIC_DEFAULTS = { subjects: 40, imagesPerClass: 3, seed: 1, size: 96 } as const;

/** Bumped whenever the drawings change, so caches of older drawings are not reused. */
export const SYNTHETIC_VERSION = 3;

interface Subject {
  id: string;
  faceWidth: number;
  faceHeight: number;
  skin: number; // 0..1, dark to light
  eyeSpacing: number;
  eyeSize: number;
  eyeHeight: number;
  browThickness: number;
  mouthWidth: number;
  mouthHeight: number;
  noseLength: number;
  background: number;
}

/** Where an expression moves the features, at full intensity. */
interface Expression {
  browRaise: number; // + up
  browTilt: number; // + inner ends up (sad, fear), − inner ends down (anger)
  eyeOpen: number; // multiplier delta
  mouthCurve: number; // + smile, − frown
  mouthOpen: number; // 0 closed .. 1 wide open
  mouthStretch: number; // width delta
  noseWrinkle: number; // 0..1
  lipRaise: number; // asymmetric upper-lip raise (disgust)
}

const EXPRESSIONS: Record<SyntheticClass, Expression> = {
  neutral: { browRaise: 0, browTilt: 0, eyeOpen: 0, mouthCurve: 0, mouthOpen: 0, mouthStretch: 0, noseWrinkle: 0, lipRaise: 0 },
  happy: { browRaise: 0.1, browTilt: 0, eyeOpen: -0.3, mouthCurve: 1, mouthOpen: 0.2, mouthStretch: 0.25, noseWrinkle: 0, lipRaise: 0 },
  sadness: { browRaise: 0.1, browTilt: 0.8, eyeOpen: -0.25, mouthCurve: -0.8, mouthOpen: 0, mouthStretch: -0.1, noseWrinkle: 0, lipRaise: 0 },
  anger: { browRaise: -0.5, browTilt: -1, eyeOpen: -0.35, mouthCurve: -0.2, mouthOpen: 0, mouthStretch: -0.2, noseWrinkle: 0.3, lipRaise: 0 },
  surprise: { browRaise: 1, browTilt: 0, eyeOpen: 0.6, mouthCurve: 0, mouthOpen: 1, mouthStretch: -0.25, noseWrinkle: 0, lipRaise: 0 },
  fear: { browRaise: 0.7, browTilt: 0.7, eyeOpen: 0.5, mouthCurve: -0.3, mouthOpen: 0.45, mouthStretch: 0.3, noseWrinkle: 0, lipRaise: 0 },
  disgust: { browRaise: -0.3, browTilt: -0.3, eyeOpen: -0.4, mouthCurve: -0.3, mouthOpen: 0.1, mouthStretch: 0, noseWrinkle: 1, lipRaise: 1 },
};

/**
 * How far a full expression moves the features: large enough that a small network learns
 * the set within a few epochs at 40 px, while intensity, pose and light still vary.
 */
const EXPRESSION_GAIN = 1.6;

function makeSubject(random: Random, index: number): Subject {
  const between = (low: number, high: number) => low + (high - low) * random.next();
  return {
    id: `S${String(index + 1).padStart(3, '0')}`,
    faceWidth: between(0.3, 0.38),
    faceHeight: between(0.4, 0.47),
    skin: between(0.25, 0.95),
    eyeSpacing: between(0.11, 0.16),
    eyeSize: between(0.028, 0.045),
    eyeHeight: between(-0.1, -0.05),
    browThickness: between(0.012, 0.025),
    mouthWidth: between(0.1, 0.15),
    mouthHeight: between(0.17, 0.23),
    noseLength: between(0.07, 0.12),
    background: between(0.15, 0.85),
  };
}

function drawFace(cv: Cv, s: Subject, e: Expression, t: number, size: number, random: Random): Mat {
  const px = (v: number) => Math.round(v * size);
  const grey = (v: number) => {
    const g = Math.max(0, Math.min(255, Math.round(v * 255)));
    return new cv.Vec3(g, g, g);
  };
  const skinColour = new cv.Vec3(Math.round(60 + 150 * s.skin), Math.round(80 + 150 * s.skin), Math.round(110 + 140 * s.skin));
  const dark = new cv.Vec3(Math.round(25 * s.skin), Math.round(25 * s.skin), Math.round(30 * s.skin));
  const image = new cv.Mat(size, size, cv.CV_8UC3, [Math.round(s.background * 255), Math.round(s.background * 240), Math.round(s.background * 220)]);
  const cx = size / 2;
  const cy = size / 2;
  image.drawEllipse(new cv.Point2(cx, cy), new cv.Size(px(s.faceWidth), px(s.faceHeight)), 0, 0, 360, skinColour, -1, cv.LINE_AA);
  // Hair line: a darker cap over the top of the head.
  image.drawEllipse(new cv.Point2(cx, cy - px(s.faceHeight * 0.55)), new cv.Size(px(s.faceWidth * 1.02), px(s.faceHeight * 0.5)), 0, 180, 360, grey(0.15 + 0.3 * random.next()), -1, cv.LINE_AA);

  const eyeY = cy + px(s.eyeHeight);
  const eyeOpen = Math.max(0.15, 1 + e.eyeOpen * t);
  for (const side of [-1, 1]) {
    const ex = cx + side * px(s.eyeSpacing);
    image.drawEllipse(new cv.Point2(ex, eyeY), new cv.Size(px(s.eyeSize * 1.4), Math.max(1, px(s.eyeSize * eyeOpen))), 0, 0, 360, new cv.Vec3(235, 235, 235), -1, cv.LINE_AA);
    image.drawCircle(new cv.Point2(ex, eyeY), Math.max(1, px(s.eyeSize * 0.6 * Math.min(1, eyeOpen))), dark, -1, cv.LINE_AA);
    // Brow: inner end at the centre side; tilt lifts or drops it.
    const browY = eyeY - px(s.eyeSize * 2.2 + 0.07 * e.browRaise * t);
    const inner = new cv.Point2(cx + side * px(s.eyeSpacing * 0.35), browY - px(0.06 * e.browTilt * t));
    const outer = new cv.Point2(cx + side * px(s.eyeSpacing * 1.6), browY + px(0.02 * e.browTilt * t));
    image.drawLine(inner, outer, dark, Math.max(1, px(s.browThickness * 1.4)), cv.LINE_AA);
  }
  const noseTop = eyeY + px(0.02);
  const noseBottom = noseTop + px(s.noseLength);
  image.drawLine(new cv.Point2(cx, noseTop), new cv.Point2(cx - px(0.015), noseBottom), grey(0.35 * s.skin), Math.max(1, px(0.008)), cv.LINE_AA);
  if (e.noseWrinkle * t > 0.25) {
    for (const side of [-1, 1]) {
      image.drawLine(new cv.Point2(cx + side * px(0.03), noseTop + px(0.01)), new cv.Point2(cx + side * px(0.05), noseTop + px(0.04)), grey(0.3 * s.skin), 1, cv.LINE_AA);
    }
  }
  const mouthY = cy + px(s.mouthHeight);
  const halfWidth = Math.max(2, px(s.mouthWidth * (1 + e.mouthStretch * t)));
  const open = e.mouthOpen * t;
  if (open > 0.3) {
    image.drawEllipse(new cv.Point2(cx, mouthY), new cv.Size(halfWidth, Math.max(2, px(0.09 * open))), 0, 0, 360, new cv.Vec3(40, 30, 90), -1, cv.LINE_AA);
  }
  const curve = e.mouthCurve * t;
  const lipColour = new cv.Vec3(60, 50, 150);
  const thickness = Math.max(1, px(0.018));
  if (Math.abs(curve) < 0.1) {
    image.drawLine(new cv.Point2(cx - halfWidth, mouthY), new cv.Point2(cx + halfWidth, mouthY - px(0.05 * e.lipRaise * t)), lipColour, thickness, cv.LINE_AA);
  } else {
    // A smile is the lower half of an ellipse, a frown the upper half.
    const depth = Math.max(1, px(0.08 * Math.abs(curve)));
    const centreY = curve > 0 ? mouthY - depth : mouthY + depth;
    image.drawEllipse(new cv.Point2(cx, centreY), new cv.Size(halfWidth, depth), -8 * e.lipRaise * t, curve > 0 ? 0 : 180, curve > 0 ? 180 : 360, lipColour, thickness, cv.LINE_AA);
  }
  return image;
}

/** Pose, light, noise and blur of one photograph of a drawn face. */
function photograph(cv: Cv, face: Mat, size: number, random: Random): Mat {
  const angle = (random.next() - 0.5) * 20;
  const scale = 0.85 + random.next() * 0.25;
  const rotation = cv.getRotationMatrix2D(new cv.Point2(size / 2, size / 2), angle, scale);
  const shifted = rotation.getDataAsArray() as number[][];
  shifted[0][2] += (random.next() - 0.5) * 0.12 * size;
  shifted[1][2] += (random.next() - 0.5) * 0.12 * size;
  const transform = new cv.Mat(shifted, cv.CV_64F);
  const posed = face.warpAffine(transform, new cv.Size(size, size), cv.INTER_LINEAR, cv.BORDER_REPLICATE);
  const pixels = Buffer.from(posed.getData());
  const gain = 0.65 + random.next() * 0.7;
  const offset = (random.next() - 0.5) * 60;
  const gradient = (random.next() - 0.5) * 80; // light from one side
  const noise = 2 + random.next() * 7;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const light = offset + (gradient * (x - size / 2)) / size;
      // Two uniforms give a cheap near-normal noise sample.
      const n = (random.next() + random.next() - 1) * noise * 1.7;
      const shared = light + n;
      for (let c = 0; c < 3; c++) {
        const i = 3 * (y * size + x) + c;
        pixels[i] = Math.max(0, Math.min(255, Math.round(pixels[i] * gain + shared)));
      }
    }
  }
  const lit = new cv.Mat(pixels, size, size, cv.CV_8UC3);
  const blur = [0, 0, 3][random.int(3)];
  return blur > 0 ? lit.gaussianBlur(new cv.Size(blur, blur), 0) : lit;
}

export interface SyntheticSummary {
  root: string;
  classes: string[];
  subjects: number;
  images: number;
}

/** Writes the set under `root` (created; must be empty or absent). */
export async function writeSyntheticDataset(root: string, options: SyntheticOptions = {}): Promise<SyntheticSummary> {
  const subjects = options.subjects ?? SYNTHETIC_DEFAULTS.subjects;
  const perClass = options.imagesPerClass ?? SYNTHETIC_DEFAULTS.imagesPerClass;
  const seed = options.seed ?? SYNTHETIC_DEFAULTS.seed;
  const size = options.size ?? SYNTHETIC_DEFAULTS.size;
  if (!Number.isInteger(subjects) || subjects < 2 || subjects > 10000) throw new UsageError(`--subjects must be an integer from 2 to 10000 (got ${subjects})`);
  if (!Number.isInteger(perClass) || perClass < 1 || perClass > 1000) throw new UsageError(`images per class must be an integer from 1 to 1000 (got ${perClass})`);
  if (fs.existsSync(root) && fs.readdirSync(root).length > 0) throw new UsageError(`output folder ${root} is not empty`);
  const cv = openCv();
  const random = new Random(seed);
  const people = Array.from({ length: subjects }, (_, i) => makeSubject(random, i));
  const canvas = size * 2; // drawn large, photographed down: smoother features
  for (const label of SYNTHETIC_CLASSES) fs.mkdirSync(path.join(root, label), { recursive: true });
  const writes: Array<Promise<void>> = [];
  let images = 0;
  for (const person of people) {
    for (const label of SYNTHETIC_CLASSES) {
      for (let n = 0; n < perClass; n++) {
        const intensity = label === 'neutral' ? 0 : EXPRESSION_GAIN * (0.7 + 0.3 * random.next());
        const face = drawFace(cv, person, EXPRESSIONS[label], intensity, canvas, random);
        const photo = photograph(cv, face, canvas, random).resize(size, size, 0, 0, cv.INTER_AREA);
        writes.push(cv.imwriteAsync(path.join(root, label, `${person.id}_${String(n + 1).padStart(4, '0')}.png`), photo));
        images++;
      }
    }
    await Promise.all(writes.splice(0));
  }
  return { root, classes: [...SYNTHETIC_CLASSES], subjects, images };
}
