/**
 * The page's script (app.mjs). It preprocesses a picture as `predict --face none` does for
 * an image already cropped to the face: the centre square, OpenCV's resize (area
 * averaging when shrinking, bilinear when growing), grey as the CLI's decoder makes it
 * (0.299 R + 0.587 G + 0.114 B in its fixed point) or RGB, pixels/255; then runs
 * model.onnx with onnxruntime-web (WebAssembly, one thread: no cross-origin isolation is needed).
 * Each bar carries its probability in data-probability, so a test can read exact values.
 */
export const PAGE_SCRIPT = String.raw`import * as ort from './ort.wasm.min.mjs';

const $ = (id) => document.getElementById(id);
ort.env.wasm.numThreads = 1;

function say(text, isError) {
  $('message').textContent = text;
  $('message').className = isError ? 'error' : '';
  document.body.dataset.state = isError ? 'error' : document.body.dataset.state;
}

// Source rows/columns each output pixel averages, with their weights (OpenCV's INTER_AREA).
function areaTaps(source, target) {
  const scale = source / target;
  const taps = [];
  for (let i = 0; i < target; i++) {
    const start = i * scale, end = (i + 1) * scale;
    const row = [];
    for (let j = Math.floor(start); j < Math.min(source, Math.ceil(end)); j++) {
      const w = Math.min(end, j + 1) - Math.max(start, j);
      if (w > 1e-9) row.push([j, w / scale]);
    }
    taps.push(row);
  }
  return taps;
}

// OpenCV's INTER_LINEAR: pixel centres aligned, edges clamped.
function linearTaps(source, target) {
  const scale = source / target;
  const taps = [];
  for (let i = 0; i < target; i++) {
    let f = (i + 0.5) * scale - 0.5;
    let j = Math.floor(f);
    f -= j;
    if (j < 0) { j = 0; f = 0; }
    if (j >= source - 1) { j = source - 1; f = 0; }
    taps.push(f === 0 ? [[j, 1]] : [[j, 1 - f], [j + 1, f]]);
  }
  return taps;
}

// Grey as the CLI's decoder makes it. OpenCV reads a PNG as grey through libpng, which
// weighs 0.299 and 0.587 in 15-bit fixed point and truncates; other images (JPEG's own luma,
// a camera frame) get OpenCV's rounded 14-bit weights.
const PNG_GREY = (r, g, b) => (r === g && g === b ? r : (9797 * r + 19234 * g + 3737 * b) >> 15);
const OPENCV_GREY = (r, g, b) => (4899 * r + 9617 * g + 1868 * b + 8192) >> 14;

// RGBA pixels of the centre square → C×S×S floats in 0–1 (grey or RGB planes).
function preprocess(rgba, width, height, info, toGrey) {
  const side = Math.min(width, height);
  const x0 = Math.floor((width - side) / 2), y0 = Math.floor((height - side) / 2);
  const S = info.size, C = info.channels;
  const taps = side > S ? areaTaps(side, S) : linearTaps(side, S);
  const planes = [];
  if (C === 1) {
    const grey = new Float64Array(side * side);
    for (let y = 0; y < side; y++) for (let x = 0; x < side; x++) {
      const p = 4 * ((y0 + y) * width + x0 + x);
      grey[y * side + x] = toGrey(rgba[p], rgba[p + 1], rgba[p + 2]);
    }
    planes.push(grey);
  } else {
    for (let c = 0; c < 3; c++) {
      const plane = new Float64Array(side * side);
      for (let y = 0; y < side; y++) for (let x = 0; x < side; x++) plane[y * side + x] = rgba[4 * ((y0 + y) * width + x0 + x) + c];
      planes.push(plane);
    }
  }
  const out = new Float32Array(C * S * S);
  planes.forEach((plane, c) => {
    for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) {
      let v = 0;
      for (const [sy, wy] of taps[y]) for (const [sx, wx] of taps[x]) v += plane[sy * side + sx] * wy * wx;
      out[c * S * S + y * S + x] = Math.min(255, Math.max(0, Math.round(v))) / 255;
    }
  });
  return out;
}

// The preview is what the network is given: S×S, grey or colour.
function showInput(input, info) {
  const S = info.size, plane = S * S;
  const preview = $('preview');
  preview.width = S;
  preview.height = S;
  const context = preview.getContext('2d');
  const image = context.createImageData(S, S);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) image.data[4 * i + c] = Math.round(255 * input[(info.channels === 1 ? 0 : c) * plane + i]);
    image.data[4 * i + 3] = 255;
  }
  context.putImageData(image, 0, 0);
}

function show(probabilities, info) {
  const top = probabilities.indexOf(Math.max(...probabilities));
  $('expression').textContent = info.classes[top];
  const bars = $('bars');
  bars.textContent = '';
  info.classes.forEach((name, i) => {
    const row = document.createElement('div');
    row.className = 'bar' + (i === top ? ' top' : '');
    row.dataset.class = name;
    row.dataset.probability = String(probabilities[i]);
    const label = document.createElement('span');
    label.className = 'label';
    label.textContent = name;
    const track = document.createElement('span');
    track.className = 'track';
    const fill = document.createElement('span');
    fill.className = 'fill';
    fill.style.width = (probabilities[i] * 100).toFixed(1) + '%';
    track.appendChild(fill);
    const value = document.createElement('span');
    value.className = 'value';
    value.textContent = (probabilities[i] * 100).toFixed(1) + '%';
    row.append(label, track, value);
    bars.appendChild(row);
  });
}

async function main() {
  const info = await (await fetch('model.json')).json();
  $('expects').textContent = 'Expects a photo of one face, already cropped to the face (the centre square is used), ' +
    (info.channels === 1 ? 'turned grey' : 'in colour') + ' and resized to ' + info.size + '×' + info.size + ' pixels, as the network (' +
    info.model + ', ' + info.activation + ') was trained. Classes: ' + info.classes.join(', ') + '.';
  const session = await ort.InferenceSession.create('model.onnx', { executionProviders: ['wasm'] });

  async function classify(source, width, height, label, toGrey) {
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const context = canvas.getContext('2d', { willReadFrequently: true });
    context.drawImage(source, 0, 0);
    const rgba = context.getImageData(0, 0, width, height).data;
    const input = preprocess(rgba, width, height, info, toGrey);
    const S = info.size;
    showInput(input, info);
    const outputs = await session.run({ image: new ort.Tensor('float32', input, [1, info.channels, S, S]) });
    show(Array.from(outputs.probabilities.data), info);
    say(label, false);
    document.body.dataset.state = 'done';
  }

  async function classifyFile(file) {
    document.body.dataset.state = 'working';
    let bitmap;
    try {
      bitmap = await createImageBitmap(file);
    } catch {
      $('expression').textContent = '';
      $('bars').textContent = '';
      say(file.name + ' is not an image this browser can read: choose a PNG, JPEG or WebP photo of a face.', true);
      return;
    }
    await classify(bitmap, bitmap.width, bitmap.height, file.name, file.type === 'image/png' ? PNG_GREY : OPENCV_GREY);
  }

  $('file').addEventListener('change', () => { if ($('file').files.length > 0) classifyFile($('file').files[0]); });
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    if (e.dataTransfer.files.length > 0) classifyFile(e.dataTransfer.files[0]);
  });

  if (navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
    $('camera').hidden = false;
    $('camera').addEventListener('click', async () => {
      try {
        const video = $('video');
        video.srcObject = await navigator.mediaDevices.getUserMedia({ video: true });
        video.hidden = false;
        await video.play();
        $('snap').hidden = false;
      } catch (error) {
        say('The camera cannot be used here (' + error.message + ').', true);
      }
    });
    $('snap').addEventListener('click', () => {
      const video = $('video');
      classify(video, video.videoWidth, video.videoHeight, 'camera', OPENCV_GREY);
    });
  }
  document.body.dataset.state = 'ready';
  say('Ready: choose or drop a face image.', false);
}

main().catch((error) => say('The model could not be loaded: ' + error.message, true));
`;
