/**
 * The genes `evolve --genes` can search: the paper's two, and beyond it the network, the
 * learning rate, the mini-batch size and the first convolution's kernel. Choice order fixes the binary codes (the first
 * choice is 0…0), so it never changes once published.
 */
import { MODELS, PAPER_ACTIVATIONS, PAPER_OPTIMIZERS } from '../names';
import type { Gene } from './genome';

export const GENE_CHOICES: Record<string, readonly string[]> = {
  activation: PAPER_ACTIVATIONS,
  optimizer: PAPER_OPTIMIZERS,
  model: MODELS,
  learningRate: ['0.0001', '0.001', '0.00001', '0.01'],
  batchSize: ['128', '64', '32', '16'],
  // The paper's future work: the first convolution's kernel.
  firstKernel: ['3', '5', '7', '11'],
};

export const GENE_NAMES = Object.keys(GENE_CHOICES);

export function genesByName(names: readonly string[]): Gene[] {
  return names.map((name) => {
    const choices = GENE_CHOICES[name];
    if (!choices) throw new Error(`unknown gene '${name}' (choose from ${GENE_NAMES.join(', ')})`);
    return { name, choices };
  });
}
