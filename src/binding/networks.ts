/** What each network is at a given input: parameters, MACs, minimum size, module census. */
import { native } from './native';
import type { NetworkDescription, NetworkSpec } from './native';
import { MODELS, type ModelName } from '../names';

export async function describeNetwork(spec: NetworkSpec): Promise<NetworkDescription> {
  return native().describeNetwork(spec);
}

export function minimumSize(model: ModelName): number {
  const entry = native()
    .info()
    .models.find((m) => m.name === model);
  if (!entry) throw new Error(`the native addon does not know model ${model}`);
  return entry.minSize;
}

export interface ModelSummary {
  name: ModelName;
  parameters: number;
  /** null when `size` is below the network's minimum. */
  macs: number | null;
  minSize: number;
}

/**
 * Summaries of the four networks for one input shape. A size below a network's minimum
 * still gives its parameter count (it does not depend on the size) with `macs: null`.
 */
export async function summariseModels(
  shape: { classes: number; channels: 1 | 3; size: number },
  models: readonly ModelName[] = MODELS,
): Promise<ModelSummary[]> {
  const summaries: ModelSummary[] = [];
  for (const model of models) {
    const minSize = minimumSize(model);
    const fits = shape.size >= minSize;
    const description = await describeNetwork({ ...shape, model, size: fits ? shape.size : minSize });
    summaries.push({ name: model, parameters: description.parameters, macs: fits ? description.macs : null, minSize });
  }
  return summaries;
}
