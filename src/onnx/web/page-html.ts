/** The page's HTML and style; everything it loads sits beside it (no network access). */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>fer-ga: facial expression</title>
<link rel="icon" href="data:,">
<style>
  [hidden] { display: none !important; }
  body { font: 16px/1.4 system-ui, sans-serif; max-width: 760px; margin: 2em auto; padding: 0 1em; color: #222; }
  h1 { font-size: 1.4em; }
  #drop { border: 2px dashed #888; border-radius: 8px; padding: 1.5em; text-align: center; }
  #drop.over { background: #eef4ff; border-color: #36c; }
  #result { display: flex; gap: 1.5em; align-items: flex-start; margin-top: 1.5em; }
  #preview { width: 160px; height: 160px; image-rendering: pixelated; border: 1px solid #ccc; }
  #expression { font-size: 1.6em; font-weight: 600; margin: 0 0 .5em; }
  #bars-box { flex: 1; }
  figure { margin: 0; text-align: center; color: #555; font-size: .85em; }
  .bar { display: flex; align-items: center; gap: .5em; margin: .2em 0; }
  .label { width: 6.5em; }
  .track { flex: 1; height: 1em; background: #eee; border-radius: 3px; overflow: hidden; }
  .fill { display: block; height: 100%; background: #6a8fd0; }
  .top .fill { background: #2a5bb8; }
  .value { width: 4em; text-align: right; font-variant-numeric: tabular-nums; }
  #message.error { color: #b00; font-weight: 600; }
  #expects { color: #555; }
  video { max-width: 320px; display: block; margin-top: 1em; }
</style>
</head>
<body data-state="loading">
<h1>Facial expression</h1>
<p id="expects">Loading the model…</p>
<div id="drop">
  <p>Drop a face image here, or <label><input id="file" type="file" accept="image/*"></label></p>
  <button id="camera" type="button" hidden>Use the camera</button>
  <button id="snap" type="button" hidden>Read this frame</button>
  <video id="video" playsinline muted hidden></video>
</div>
<p id="message"></p>
<div id="result">
  <figure><canvas id="preview" width="1" height="1"></canvas><figcaption>what the network is given</figcaption></figure>
  <div id="bars-box"><p id="expression"></p><div id="bars"></div></div>
</div>
<script type="module" src="app.mjs"></script>
</body>
</html>
`;
