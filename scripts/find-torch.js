#!/usr/bin/env node
'use strict';
// Locates libtorch for both build files (CMakeLists.txt and binding.gyp) so they can
// never disagree. Order: FER_GA_TORCH_DIR, then the torch package of python3 (the CUDA
// build on GPU machines), then the system libtorch (Debian's libtorch-dev).
//
//   node scripts/find-torch.js --cmake-dir   directory holding TorchConfig.cmake
//   node scripts/find-torch.js --gyp <key>   include | libdir | libs | defines
//   node scripts/find-torch.js --json        everything found, for `fer-ga info` and humans

const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const MULTIARCH_LIB_DIRS = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/usr/local/lib'];

function hasConfig(dir) {
  return fs.existsSync(path.join(dir, 'TorchConfig.cmake'));
}

/** Accepts a libtorch root, a cmake prefix (…/share/cmake) or a Torch_DIR. */
function cmakeDirFrom(dir) {
  const candidates = [dir, path.join(dir, 'Torch'), path.join(dir, 'share/cmake/Torch'), path.join(dir, 'lib/cmake/Torch')];
  return candidates.find(hasConfig);
}

function fromEnvironment() {
  const dir = process.env.FER_GA_TORCH_DIR;
  if (!dir) return undefined;
  const cmakeDir = cmakeDirFrom(path.resolve(dir));
  if (!cmakeDir) {
    throw new Error(`FER_GA_TORCH_DIR=${dir} holds no TorchConfig.cmake (expected a libtorch folder or a Torch_DIR)`);
  }
  return { source: 'FER_GA_TORCH_DIR', cmakeDir };
}

function fromPython() {
  const python = process.env.FER_GA_PYTHON || 'python3';
  try {
    const out = execFileSync(python, ['-c', 'import torch, torch.utils; print(torch.utils.cmake_prefix_path)'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 60000,
    }).trim();
    const cmakeDir = out && cmakeDirFrom(out);
    return cmakeDir ? { source: `${python} torch`, cmakeDir } : undefined;
  } catch {
    return undefined;
  }
}

function fromSystem() {
  for (const libDir of MULTIARCH_LIB_DIRS) {
    const cmakeDir = path.join(libDir, 'cmake/Torch');
    if (hasConfig(cmakeDir)) return { source: 'system', cmakeDir };
  }
  return undefined;
}

function firstExisting(dirs, file) {
  return dirs.find((d) => fs.existsSync(path.join(d, file)));
}

/** Derives what node-gyp needs from the cmake folder, the way TorchConfig.cmake does. */
function describe(found) {
  const cmakeDir = fs.realpathSync(found.cmakeDir);
  const config = fs.readFileSync(path.join(cmakeDir, 'TorchConfig.cmake'), 'utf8');
  // TorchConfig.cmake assumes <prefix>/share/cmake/Torch; Debian's sits in <prefix>/lib/<arch>/cmake/Torch.
  const prefix = path.resolve(cmakeDir, '../../../..');
  const shareLayout = path.resolve(cmakeDir, '../../..');
  const root = fs.existsSync(path.join(shareLayout, 'include/torch')) ? shareLayout : prefix;
  const libDir = firstExisting([path.join(root, 'lib'), path.resolve(cmakeDir, '../..'), ...MULTIARCH_LIB_DIRS], 'libtorch.so');
  if (!libDir) throw new Error(`found ${cmakeDir} but no libtorch.so beside it`);
  const abi = /_GLIBCXX_USE_CXX11_ABI=(\d)/.exec(config);
  const cuda = fs.existsSync(path.join(libDir, 'libtorch_cuda.so'));
  const libs = ['torch', 'torch_cpu', 'c10', ...(cuda ? ['torch_cuda', 'c10_cuda'] : [])];
  return {
    source: found.source,
    cmakeDir,
    include: [path.join(root, 'include'), path.join(root, 'include/torch/csrc/api/include')],
    libDir,
    libs,
    cuda,
    defines: abi ? [`_GLIBCXX_USE_CXX11_ABI=${abi[1]}`] : [],
  };
}

function findTorch() {
  const found = fromEnvironment() || fromPython() || fromSystem();
  if (!found) {
    throw new Error(
      'libtorch not found: install it with `sudo apt-get install libtorch-dev` (CPU), or `pip install torch` ' +
        '(then python3 must import it), or set FER_GA_TORCH_DIR to a libtorch folder',
    );
  }
  return describe(found);
}

module.exports = { findTorch };

if (require.main === module) {
  try {
    const torch = findTorch();
    const [flag, key] = process.argv.slice(2);
    if (flag === '--cmake-dir') {
      process.stdout.write(torch.cmakeDir);
    } else if (flag === '--gyp') {
      const value = {
        include: torch.include,
        libdir: [torch.libDir],
        // --no-as-needed: nothing calls libtorch_cuda directly, yet loading it registers CUDA.
        libs: ['-Wl,--no-as-needed', ...torch.libs.map((l) => `-l${l}`), '-Wl,--as-needed', `-Wl,-rpath,${torch.libDir}`],
        defines: torch.defines,
      }[key];
      if (!value) throw new Error(`--gyp needs one of include, libdir, libs, defines (got ${key})`);
      process.stdout.write(value.join(' '));
    } else {
      process.stdout.write(`${JSON.stringify(torch, null, 2)}\n`);
    }
  } catch (error) {
    process.stderr.write(`fer-ga: ${error.message}\n`);
    process.exit(1);
  }
}
