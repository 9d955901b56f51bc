/**
 * Each activation in its ONNX form, with the parameter the native network was built
 * with (native/networks/activation.cc): leaky-relu's slope, clipped-relu's ceiling
 * (Hardtanh from 0, so Clip), elu's alpha. GELU is libtorch's exact one, 0.5·x·(1 + erf(x/√2)),
 * and SiLU x·sigmoid(x).
 */
import type { ActivationName } from '../names';
import type { GraphBuilder } from './graph-builder';

export interface ActivationForm {
  name: ActivationName;
  /** leaky-relu slope, clipped-relu ceiling, elu alpha; unused by the others. */
  parameter: number;
}

export function applyActivation(graph: GraphBuilder, x: string, activation: ActivationForm, hint: string): string {
  switch (activation.name) {
    case 'relu':
      return graph.node('Relu', [x], hint);
    case 'leaky-relu':
      return graph.node('LeakyRelu', [x], hint, { alpha: { float: activation.parameter } });
    case 'clipped-relu':
      return graph.node('Clip', [x, graph.scalar(0), graph.scalar(activation.parameter)], hint);
    case 'elu':
      return graph.node('Elu', [x], hint, { alpha: { float: activation.parameter } });
    case 'gelu': {
      const scaled = graph.node('Mul', [x, graph.scalar(Math.SQRT1_2)], `${hint}.scaled`);
      const erf = graph.node('Erf', [scaled], `${hint}.erf`);
      const onePlus = graph.node('Add', [erf, graph.scalar(1)], `${hint}.one_plus`);
      const half = graph.node('Mul', [x, graph.scalar(0.5)], `${hint}.half_x`);
      return graph.node('Mul', [half, onePlus], hint);
    }
    case 'silu':
      return graph.node('Mul', [x, graph.node('Sigmoid', [x], `${hint}.sigmoid`)], hint);
  }
}
