import fs from 'fs';
import os from 'os';
import path from 'path';

import { indexCkPlus } from '../src/data/ckplus';
import { prepareDataset } from '../src/data/dataset';
import { indexKdef } from '../src/data/kdef';
import { indexMmi } from '../src/data/mmi';
import { makeCkPlusTree, makeKdefTree, makeMmiTree } from './helpers/trees';

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-ga-data-'));
  makeCkPlusTree(path.join(tmp, 'ck'));
  makeKdefTree(path.join(tmp, 'kdef'));
  makeMmiTree(path.join(tmp, 'mmi'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const rel = (p: string) => path.relative(tmp, p);
const cache = () => path.join(tmp, 'cache');

describe('CK+', () => {
  test('takes the peak frames of labelled sequences and reports the rest', () => {
    const index = indexCkPlus(path.join(tmp, 'ck'), { peakFrames: 2 });
    expect(index.records.map((r) => [rel(r.path), r.label, r.subject, r.frame])).toEqual([
      ['ck/cohn-kanade-images/S005/001/S005_001_00000003.png', 'disgust', 'S005', 3],
      ['ck/cohn-kanade-images/S005/001/S005_001_00000004.png', 'disgust', 'S005', 4],
      ['ck/cohn-kanade-images/S010/002/S010_002_00000002.png', 'happy', 'S010', 2],
      ['ck/cohn-kanade-images/S010/002/S010_002_00000003.png', 'happy', 'S010', 3],
      ['ck/cohn-kanade-images/S022/001/S022_001_00000001.png', 'surprise', 'S022', 1],
      ['ck/cohn-kanade-images/S022/001/S022_001_00000002.png', 'surprise', 'S022', 2],
      ['ck/cohn-kanade-images/S022/002/S022_002_00000001.png', 'contempt', 'S022', 1],
    ]);
    expect(index.skipped.map((s) => [rel(s.path), s.reason])).toEqual([
      ['ck/cohn-kanade-images/S010/003', 'sequence has no emotion label'],
      ['ck/Emotion/S010/004/S010_004_00000002_emotion.txt', "label file holds 'happy-ish', not an emotion code 0-7"],
    ]);
  });

  test('prepare keeps the paper’s classes, lists the corrupt frame and counts per class', async () => {
    const prepared = await prepareDataset(`ckplus:${path.join(tmp, 'ck')}`, { size: 32, face: 'none', peakFrames: 2, cacheDir: cache() });
    const { header } = prepared;
    expect(header.classes).toEqual(['anger', 'disgust', 'fear', 'happy', 'sadness', 'surprise']);
    expect(header.counts).toEqual({ anger: 0, disgust: 2, fear: 0, happy: 2, sadness: 0, surprise: 1 });
    expect(header.count).toBe(5);
    expect(header.subjects).toEqual(['S005', 'S010', 'S022']);
    expect(Array.from(prepared.subjects)).toEqual([0, 0, 1, 1, 2]);
    expect(Array.from(prepared.labels)).toEqual([1, 1, 3, 3, 5]);
    expect(prepared.images.length).toBe(5 * 32 * 32);
    const corrupt = header.skipped.find((s) => s.path.endsWith('S022_001_00000002.png'));
    expect(corrupt?.reason).toMatch(/cannot decode/);
    expect(header.skipped).toHaveLength(3);
  });
});

describe('KDEF', () => {
  test('parses names into subject, session, expression and angle; frontal by default', () => {
    const index = indexKdef(path.join(tmp, 'kdef'));
    expect(index.records.map((r) => [path.basename(r.path), r.label, r.subject, r.session, r.angle])).toEqual([
      ['AF01AFS.JPG', 'fear', 'F01', 'A', 'S'],
      ['AF01HAS.JPG', 'happy', 'F01', 'A', 'S'],
      ['AM02ANS.JPG', 'anger', 'M02', 'A', 'S'],
      ['AM02DIS.JPG', 'disgust', 'M02', 'A', 'S'],
      ['AM02NES.JPG', 'neutral', 'M02', 'A', 'S'],
      ['AM02SUS.JPG', 'surprise', 'M02', 'A', 'S'],
      ['BF01SAS.JPG', 'sadness', 'F01', 'B', 'S'],
    ]);
    expect(index.skipped.map((s) => [path.basename(s.path), s.reason])).toEqual([
      ['AM02XXS.JPG', "unknown KDEF expression code 'XX'"],
      ['portrait.jpg', "name does not follow KDEF's pattern (e.g. AF01ANS.JPG)"],
    ]);
    expect(indexKdef(path.join(tmp, 'kdef'), { angles: ['HL'] }).records.map((r) => path.basename(r.path))).toEqual(['AF01HAHL.JPG']);
    expect(() => indexKdef(path.join(tmp, 'kdef'), { angles: ['UP'] })).toThrow("unknown KDEF angle 'UP'");
  });

  test('prepare: 6 classes without neutral by default, 7 with `all`, the corrupt JPEG listed', async () => {
    const six = await prepareDataset(`kdef:${path.join(tmp, 'kdef')}`, { size: 40, color: 'rgb', face: 'none', cacheDir: cache() });
    expect(six.header.classes).toEqual(['anger', 'disgust', 'fear', 'happy', 'sadness', 'surprise']);
    expect(six.header.count).toBe(5);
    expect(six.header.channels).toBe(3);
    expect(six.images.length).toBe(5 * 3 * 40 * 40);
    expect(six.header.skipped.map((s) => path.basename(s.path))).toEqual(['AM02XXS.JPG', 'portrait.jpg', 'AM02SUS.JPG']);
    const seven = await prepareDataset(`kdef:${path.join(tmp, 'kdef')}`, { size: 40, face: 'none', classes: 'all', cacheDir: cache() });
    expect(seven.header.classes).toEqual(['anger', 'disgust', 'fear', 'happy', 'sadness', 'surprise', 'neutral']);
    expect(seven.header.counts.neutral).toBe(1);
    expect(seven.header.subjects).toEqual(['F01', 'M02']);
  });
});

describe('MMI', () => {
  test('reads labels and subjects from the XML, reports sessions it cannot use', () => {
    const index = indexMmi(path.join(tmp, 'mmi'));
    expect(index.records.map((r) => [path.basename(r.path), r.label, r.subject, r.video])).toEqual([
      ['S001-001.avi', 'happy', 'S001', true],
      ['S002-002.jpg', 'anger', 'S007', false],
      ['S006-006.png', 'surprise', 'S006', false],
    ]);
    expect(index.skipped.map((s) => [rel(s.path), s.reason])).toEqual([
      ['mmi/Sessions/3', 'session has no Emotion metatag'],
      ['mmi/Sessions/4', "unknown MMI emotion code '9'"],
      ['mmi/Sessions/5', 'session has no video or image'],
    ]);
  });

  test('prepare takes the middle frame of the video and lists the corrupt still', async () => {
    const prepared = await prepareDataset(`mmi:${path.join(tmp, 'mmi')}`, { size: 32, color: 'rgb', face: 'none', cacheDir: cache() });
    expect(prepared.header.classes).toEqual(['anger', 'happy', 'surprise']);
    expect(prepared.header.counts).toEqual({ anger: 1, happy: 1, surprise: 0 });
    expect(prepared.header.skipped.map((s) => s.reason)).toContain('cannot decode the image (corrupt or not an image)');
  });
});

describe('bad input', () => {
  test.each([
    ['missing folder', () => prepareDataset(`folder:${path.join(os.tmpdir(), 'no-such-fer-ga-set')}`, { cacheDir: cache() }), /data set folder .*no-such-fer-ga-set does not exist/],
    ['not a spec', () => prepareDataset('imagenet', { cacheDir: cache() }), /--dataset 'imagenet' is not a data set spec/],
    ['spec without path', () => prepareDataset('kdef:', { cacheDir: cache() }), /--dataset 'kdef:' needs a path/],
    ['CK+ without its folders', () => prepareDataset(`ckplus:${path.join(tmp, 'kdef')}`, { cacheDir: cache() }), /has no cohn-kanade-images\/ inside/],
    ['unknown class', () => prepareDataset(`kdef:${path.join(tmp, 'kdef')}`, { classes: 'joy,anger', cacheDir: cache() }), /class 'joy' is not in the data set/],
    ['empty set', () => {
      const empty = path.join(tmp, 'empty');
      fs.mkdirSync(path.join(empty, 'happy'), { recursive: true });
      fs.mkdirSync(path.join(empty, 'sadness'), { recursive: true });
      return prepareDataset(`folder:${empty}`, { cacheDir: cache() });
    }, /needs at least 2 classes with images/],
  ])('%s', async (_name, call, message) => {
    await expect(call()).rejects.toThrow(message);
  });
});
