/**
 * The entries of a stored (uncompressed) zip archive, as PyTorch writes them: every
 * offset and length in the directory and the local headers is checked against the file,
 * so a damaged or crafted archive is one clear failure, never a read out of bounds.
 */
import { ByteCursor, type Fail } from './byte-cursor';

export interface ZipEntry {
  offset: number;
  /** Bytes in the archive (compressed, when `compressed`). */
  size: number;
  compressed: boolean;
}

const END_OF_DIRECTORY = 0x06054b50;
const DIRECTORY_ENTRY = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;
const END_RECORD_BYTES = 22;
const LOCAL_HEADER_BYTES = 30;
const LONGEST_COMMENT = 0xffff;

function findEndOfDirectory(bytes: Buffer): number {
  const last = bytes.length - END_RECORD_BYTES;
  for (let i = last; i >= Math.max(0, last - LONGEST_COMMENT); i--) {
    if (bytes.readUInt32LE(i) === END_OF_DIRECTORY) return i;
  }
  return -1;
}

export interface ZipOptions {
  /** Lists compressed entries instead of failing on them. */
  allowCompressed?: boolean;
  /** What to say of a file that is no zip at all. */
  notZip?: string;
}

/** Name → where its bytes lie in `bytes`. */
export function readZip(bytes: Buffer, fail: Fail, { allowCompressed = false, notZip = 'not a zip file' }: ZipOptions = {}): Map<string, ZipEntry> {
  const end = findEndOfDirectory(bytes);
  if (end < 0) fail(notZip);
  const record = bytes.subarray(end, end + END_RECORD_BYTES);
  const count = record.readUInt16LE(10);
  const directoryBytes = record.readUInt32LE(12);
  const directoryStart = record.readUInt32LE(16);
  if (directoryStart === 0xffffffff || count === 0xffff) fail('zip64 archives (over 4 GB) are not read');
  if (directoryStart + directoryBytes > end) fail(`zip directory (${directoryBytes} bytes at ${directoryStart}) lies outside the file`);
  const directory = new ByteCursor(bytes.subarray(directoryStart, directoryStart + directoryBytes), fail, 'zip directory');
  const entries = new Map<string, ZipEntry>();
  for (let n = 0; n < count; n++) {
    if (directory.u32() !== DIRECTORY_ENTRY) fail(`zip directory entry ${n} is damaged`);
    const fields = directory.take(42);
    const method = fields.readUInt16LE(6);
    const compressedSize = fields.readUInt32LE(16);
    const size = fields.readUInt32LE(20);
    const nameLength = fields.readUInt16LE(24);
    const extraLength = fields.readUInt16LE(26);
    const commentLength = fields.readUInt16LE(28);
    const local = fields.readUInt32LE(38);
    const name = directory.take(nameLength).toString('utf8');
    directory.skip(extraLength + commentLength);
    const compressed = method !== 0 || compressedSize !== size;
    if (compressed && !allowCompressed) fail(`zip entry ${name} is compressed`);
    if (local > end - LOCAL_HEADER_BYTES || bytes.readUInt32LE(local) !== LOCAL_HEADER) fail(`zip entry ${name} points at ${local}, where no entry starts`);
    const dataStart = local + LOCAL_HEADER_BYTES + bytes.readUInt16LE(local + 26) + bytes.readUInt16LE(local + 28);
    if (dataStart + compressedSize > end) fail(`zip entry ${name} (${compressedSize} bytes at ${dataStart}) runs past the archive's end`);
    entries.set(name, { offset: dataStart, size: compressedSize, compressed });
  }
  return entries;
}
