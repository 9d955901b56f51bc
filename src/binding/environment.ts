/** What this installation runs on: the facts `fer-ga info` prints. */
import fs from 'fs';

import { openCv } from '../data/opencv';
import { loadBinding } from './native';
import { packageVersion } from '../util/package-version';
import type { NativeInfo } from './native';

export interface EnvironmentInfo {
  version: string;
  node: string;
  addon: string;
  /** build (from source here), prebuild (shipped in the package) or FER_GA_ADDON. */
  addonSource: string;
  libtorch: string;
  cuda: NativeInfo['cuda'];
  threads: number;
  cores: number;
  openmp: boolean;
  mkldnn: boolean;
  /** The BLAS library libtorch really calls (Debian's libtorch uses whatever libblas.so.3 is selected). */
  blas: string | null;
  opencv: { available: boolean; detail: string };
  models: NativeInfo['models'];
  activations: NativeInfo['activations'];
  optimizers: NativeInfo['optimizers'];
}


/** Reads the mapped libraries of this process: the BLAS that libtorch was linked to at load. */
function loadedBlas(): string | null {
  try {
    const maps = fs.readFileSync('/proc/self/maps', 'utf8');
    const match = /\s(\/\S*(?:openblas|libblas|libmkl_rt|libblis)\S*\.so[^\s]*)/.exec(maps);
    return match ? fs.realpathSync(match[1]) : null;
  } catch {
    return null;
  }
}

function opencvAvailability(): { available: boolean; detail: string } {
  try {
    const { major, minor, revision } = openCv().version;
    return { available: true, detail: `OpenCV ${major}.${minor}.${revision} through @u4/opencv4nodejs` };
  } catch (error) {
    return { available: false, detail: error instanceof Error ? error.message : String(error) };
  }
}

export function environmentInfo(): EnvironmentInfo {
  const { binding, file, source } = loadBinding();
  const info = binding.info();
  return {
    version: packageVersion(),
    node: process.version,
    addon: file,
    addonSource: source,
    libtorch: info.libtorch,
    cuda: info.cuda,
    threads: info.defaultThreads,
    cores: info.cores,
    openmp: info.openmp,
    mkldnn: info.mkldnn,
    blas: loadedBlas(),
    opencv: opencvAvailability(),
    models: info.models,
    activations: info.activations,
    optimizers: info.optimizers,
  };
}
