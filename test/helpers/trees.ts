/**
 * Small CK+, KDEF and MMI trees in a temp folder, in their published layouts, with real
 * image files (and an MMI video) written by OpenCV, plus the broken items each layout
 * can hold: unlabelled sequences, garbage label files, names that do not parse, corrupt
 * images.
 */
import fs from 'fs';
import path from 'path';

import { openCv } from '../../src/data/opencv';

/** A face-like test card: an ellipse with eyes and a mouth on a plain background. */
export function writeFaceImage(file: string, width: number, height: number, grey: boolean, seed: number): void {
  const cv = openCv();
  const image = new cv.Mat(height, width, cv.CV_8UC3, [90 + (seed % 50), 110, 130]);
  const cx = width / 2;
  const cy = height / 2;
  const r = Math.min(width, height) / 3;
  image.drawEllipse(new cv.Point2(cx, cy), new cv.Size(Math.round(r * 0.8), Math.round(r)), 0, 0, 360, new cv.Vec3(150, 170, 210), -1);
  image.drawCircle(new cv.Point2(cx - r / 3, cy - r / 4), Math.max(2, Math.round(r / 10)), new cv.Vec3(20, 20, 20), -1);
  image.drawCircle(new cv.Point2(cx + r / 3, cy - r / 4), Math.max(2, Math.round(r / 10)), new cv.Vec3(20, 20, 20), -1);
  image.drawLine(new cv.Point2(cx - r / 3, cy + r / 2), new cv.Point2(cx + r / 3, cy + r / 2 - (seed % 3) * 3), new cv.Vec3(40, 40, 160), 3);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  cv.imwrite(file, grey ? image.cvtColor(cv.COLOR_BGR2GRAY) : image);
}

export function writeCorrupt(file: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, Buffer.from('\x89PNG\r\n\x1a\n this is not really an image'));
}

function writeText(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

/** CK+: 640×490 grey PNG frames, Emotion/ label files with CK+'s float format. */
export function makeCkPlusTree(root: string): void {
  const frame = (subject: string, seq: string, n: number) =>
    path.join(root, 'cohn-kanade-images', subject, seq, `${subject}_${seq}_${String(n).padStart(8, '0')}.png`);
  const label = (subject: string, seq: string, n: number, text: string) =>
    writeText(path.join(root, 'Emotion', subject, seq, `${subject}_${seq}_${String(n).padStart(8, '0')}_emotion.txt`), text);
  // S005/001: disgust (3), four frames.
  for (let n = 1; n <= 4; n++) writeFaceImage(frame('S005', '001', n), 640, 490, true, n);
  label('S005', '001', 4, '   3.0000000e+00\n');
  // S010/002: happy (5); S010/003: no label; S010/004: garbage label.
  for (let n = 1; n <= 3; n++) writeFaceImage(frame('S010', '002', n), 640, 490, true, 10 + n);
  label('S010', '002', 3, '   5.0000000e+00\n');
  for (let n = 1; n <= 2; n++) writeFaceImage(frame('S010', '003', n), 640, 490, true, 20 + n);
  for (let n = 1; n <= 2; n++) writeFaceImage(frame('S010', '004', n), 640, 490, true, 30 + n);
  label('S010', '004', 2, 'happy-ish\n');
  // S022/001: surprise (7) whose peak frame is corrupt.
  writeFaceImage(frame('S022', '001', 1), 640, 490, true, 40);
  writeCorrupt(frame('S022', '001', 2));
  label('S022', '001', 2, '   7.0000000e+00\n');
  // S022/002: contempt (2), outside the paper's six classes.
  writeFaceImage(frame('S022', '002', 1), 640, 490, true, 50);
  label('S022', '002', 1, '   2.0000000e+00\n');
}

/** KDEF: 562×762 colour JPEGs named AF01ANS.JPG in per-person folders. */
export function makeKdefTree(root: string): void {
  const image = (name: string, seed: number) => writeFaceImage(path.join(root, name.slice(0, 4), name), 562, 762, false, seed);
  image('AF01AFS.JPG', 1);
  image('AF01HAS.JPG', 2);
  image('AF01HAHL.JPG', 3); // half left: not frontal
  image('BF01SAS.JPG', 4); // second session, same person
  image('AM02ANS.JPG', 5);
  image('AM02NES.JPG', 6);
  image('AM02DIS.JPG', 7);
  image('AM02XXS.JPG', 8); // unknown expression code
  writeFaceImage(path.join(root, 'extra', 'portrait.jpg'), 100, 100, false, 9); // name does not parse
  writeCorrupt(path.join(root, 'AM02', 'AM02SUS.JPG'));
}

/** MMI: Sessions/N/ with XML metadata and a video or a still. */
export function makeMmiTree(root: string): void {
  const cv = openCv();
  const session = (n: number) => path.join(root, 'Sessions', String(n));
  const xml = (n: number, body: string) =>
    writeText(path.join(session(n), `S00${n}-00${n}.xml`), `<?xml version="1.0"?>\n<Metadata>\n${body}\n</Metadata>\n`);
  // 1: a video, happy (4), subject from the media name.
  fs.mkdirSync(session(1), { recursive: true });
  const writer = new cv.VideoWriter(path.join(session(1), 'S001-001.avi'), cv.VideoWriter.fourcc('MJPG'), 25, new cv.Size(180, 144), true);
  for (let f = 0; f < 9; f++) {
    const frameFile = path.join(session(1), `.frame${f}.png`);
    writeFaceImage(frameFile, 180, 144, false, f);
    writer.write(cv.imread(frameFile));
    fs.rmSync(frameFile);
  }
  writer.release();
  xml(1, '  <Metatag Name="Emotion" Value="4"/>');
  // 2: a still, anger (1), subject from <Subject Id>.
  writeFaceImage(path.join(session(2), 'S002-002.jpg'), 180, 144, false, 11);
  xml(2, '  <Subject Id="S007"/>\n  <Metatag Name="Emotion" Value="1"/>');
  // 3: no Emotion tag; 4: unknown code; 5: no media.
  writeFaceImage(path.join(session(3), 'S003-003.jpg'), 180, 144, false, 12);
  xml(3, '  <Metatag Name="Gender" Value="Female"/>');
  writeFaceImage(path.join(session(4), 'S004-004.jpg'), 180, 144, false, 13);
  xml(4, '  <Metatag Name="Emotion" Value="9"/>');
  xml(5, '  <Metatag Name="Emotion" Value="6"/>');
  // 6: surprise (6) as a corrupt still.
  writeCorrupt(path.join(session(6), 'S006-006.png'));
  xml(6, '  <Metatag Name="Emotion" Value="6"/>');
}
