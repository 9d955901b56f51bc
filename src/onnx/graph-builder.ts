/**
 * An ONNX graph written node by node from the ONNX protobuf schema (onnx-proto), with
 * float32 initializers stored as raw little-endian bytes, the layout ONNX runtimes read
 * without a conversion. libtorch's C++ API has no ONNX exporter, so fer-ga writes the graph itself.
 */
import { onnx } from 'onnx-proto';

/** ONNX opset the graphs are written for; Gelu is spelt with Erf since its own operator needs opset 20. */
export const OPSET = 17;
/** The IR version that opset 17 requires (the newest the bundled schema knows). */
const IR_VERSION = 8;

/** A number is an INT attribute, a list INTS; a FLOAT one is written `{ float: x }` (1.0 would otherwise pass for an integer). */
export type AttributeValue = number | number[] | string | { float: number };

export interface GraphInput {
  name: string;
  /** A string names a dynamic dimension (the batch). */
  shape: Array<number | string>;
}

function attribute(name: string, value: AttributeValue): onnx.IAttributeProto {
  const { AttributeType } = onnx.AttributeProto;
  if (typeof value === 'string') return { name, type: AttributeType.STRING, s: Buffer.from(value, 'utf8') };
  if (Array.isArray(value)) return { name, type: AttributeType.INTS, ints: value };
  if (typeof value === 'object') return { name, type: AttributeType.FLOAT, f: value.float };
  return { name, type: AttributeType.INT, i: value };
}

function valueInfo({ name, shape }: GraphInput): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: shape.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  };
}

export class GraphBuilder {
  private readonly nodes: onnx.INodeProto[] = [];
  private readonly initializers: onnx.ITensorProto[] = [];
  private readonly used = new Set<string>();
  private readonly scalars = new Map<number, string>();

  /** A name not used yet, derived from `hint` (torchvision's layer names keep the graph readable). */
  private fresh(hint: string): string {
    let name = hint;
    for (let i = 1; this.used.has(name); i++) name = `${hint}_${i}`;
    this.used.add(name);
    return name;
  }

  /** A float32 constant; `values` is referenced, not copied, until the model is encoded. */
  constant(hint: string, dims: number[], values: Float32Array): string {
    const expected = dims.reduce((a, b) => a * b, 1);
    if (values.length !== expected) throw new Error(`${hint}: ${values.length} values for shape [${dims.join(', ')}]`);
    const name = this.fresh(hint);
    this.initializers.push({
      name,
      dims,
      dataType: onnx.TensorProto.DataType.FLOAT,
      rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
    });
    return name;
  }

  /** A float32 scalar constant, one per value however often it is asked for. */
  scalar(value: number): string {
    let name = this.scalars.get(value);
    if (name === undefined) {
      name = this.constant(`scalar_${this.scalars.size}`, [], Float32Array.of(value));
      this.scalars.set(value, name);
    }
    return name;
  }

  /** Adds one node and returns the name of its (single) output. */
  node(op: string, inputs: string[], hint: string, attributes: Record<string, AttributeValue> = {}): string {
    const output = this.fresh(hint);
    this.nodes.push({
      opType: op,
      name: output,
      input: inputs,
      output: [output],
      attribute: Object.entries(attributes).map(([key, value]) => attribute(key, value)),
    });
    return output;
  }

  /** The graph as an ONNX model file's bytes. */
  encode(options: {
    name: string;
    inputs: GraphInput[];
    outputs: Array<GraphInput & { from: string }>;
    metadata: Record<string, string>;
    producerVersion: string;
  }): Uint8Array {
    // Outputs get their public names through Identity, so internal names stay free to choose.
    for (const output of options.outputs) {
      this.used.add(output.name);
      this.nodes.push({ opType: 'Identity', name: output.name, input: [output.from], output: [output.name] });
    }
    const model: onnx.IModelProto = {
      irVersion: IR_VERSION,
      opsetImport: [{ domain: '', version: OPSET }],
      producerName: 'fer-ga',
      producerVersion: options.producerVersion,
      graph: {
        name: options.name,
        node: this.nodes,
        initializer: this.initializers,
        input: options.inputs.map(valueInfo),
        output: options.outputs.map(valueInfo),
      },
      metadataProps: Object.entries(options.metadata).map(([key, value]) => ({ key, value })),
    };
    return onnx.ModelProto.encode(model).finish();
  }
}
