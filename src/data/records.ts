/** What an indexer finds in a data set on disk, before any pixel is read. */

export interface ImageRecord {
  /** Absolute path of the image or video file. */
  path: string;
  /** Class name (one of the index's `classes`). */
  label: string;
  /** Person; splits never put one subject on both sides. */
  subject: string;
  /** CK+: frame number in the sequence. */
  frame?: number;
  /** KDEF: camera angle (FL, HL, S, HR, FR). */
  angle?: string;
  /** KDEF: session (A or B); MMI: session folder. */
  session?: string;
  /** MMI videos: the apex frame is taken from the middle of the video. */
  video?: boolean;
}

export interface SkippedItem {
  path: string;
  reason: string;
}

export interface DatasetIndex {
  /** The spec string it came from, e.g. "kdef:/data/KDEF". */
  dataset: string;
  classes: string[];
  records: ImageRecord[];
  /** Files or sequences that were not used, each with why (never guessed). */
  skipped: SkippedItem[];
}

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff'];
export const VIDEO_EXTENSIONS = ['.avi', '.mp4', '.mov', '.mkv', '.wmv', '.mpg', '.mpeg'];

export function hasExtension(file: string, extensions: readonly string[]): boolean {
  const lower = file.toLowerCase();
  return extensions.some((e) => lower.endsWith(e));
}

/** Keeps the records whose label is in `classes`, in that class order. */
export function restrictToClasses(records: ImageRecord[], classes: readonly string[]): ImageRecord[] {
  const wanted = new Set(classes);
  return records.filter((r) => wanted.has(r.label));
}
