/**
 * The metadata_props of an ONNX file, read without decoding its graph: the top-level
 * fields are walked and everything but metadata_props (field 14) is skipped by length,
 * so a half-gigabyte VGG-16 costs one file read, not a decode of its weights.
 */
import fs from 'fs';

import { onnx } from 'onnx-proto';
import { Reader } from 'protobufjs';

import { UsageError } from '../util/errors';

const METADATA_PROPS_FIELD = 14;
const GRAPH_FIELD = 7;

export function readMetadataProps(file: string): Record<string, string> {
  if (!fs.existsSync(file)) throw new UsageError(`--model ${file}: no such file`);
  const bytes = fs.readFileSync(file);
  const props: Record<string, string> = {};
  let graph = false;
  try {
    const reader = Reader.create(bytes);
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      const field = tag >>> 3;
      if (field === METADATA_PROPS_FIELD && (tag & 7) === 2) {
        // onnx-proto decodes with its own copy of protobufjs, so it gets bytes rather than this Reader.
        const length = reader.uint32();
        const entry = onnx.StringStringEntryProto.decode(bytes.subarray(reader.pos, reader.pos + length));
        reader.skip(length);
        props[entry.key] = entry.value;
      } else {
        if (field === GRAPH_FIELD) graph = true;
        reader.skipType(tag & 7);
      }
    }
  } catch (error) {
    throw new UsageError(`--model ${file}: not an ONNX model (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!graph) throw new UsageError(`--model ${file}: not an ONNX model (no graph)`);
  return props;
}
