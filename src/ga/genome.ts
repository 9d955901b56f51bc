/**
 * A categorical genome: each gene a list of choices, binary-encoded with
 * ceil(log2 n) bits (at least one), most significant bit first. A code past the last
 * choice (11 for three choices) names nothing: such a chromosome is invalid and is never
 * trained (see fitness policy in evolve.ts).
 */
import { PAPER_ACTIVATIONS, PAPER_OPTIMIZERS } from '../names';

export interface Gene {
  name: string;
  choices: readonly string[];
}

export type Chromosome = number[]; // bits, 0 or 1

export type Genes = Record<string, string>;

export class Genome {
  readonly genes: readonly Gene[];
  readonly widths: readonly number[];
  readonly length: number;

  constructor(genes: readonly Gene[]) {
    if (genes.length === 0) throw new Error('a genome needs at least one gene');
    for (const gene of genes) {
      if (gene.choices.length < 2) throw new Error(`gene ${gene.name} needs at least two choices`);
      if (new Set(gene.choices).size !== gene.choices.length) throw new Error(`gene ${gene.name} repeats a choice`);
    }
    this.genes = genes;
    this.widths = genes.map((g) => Math.max(1, Math.ceil(Math.log2(g.choices.length))));
    this.length = this.widths.reduce((a, b) => a + b, 0);
  }

  /** Bit offset of gene `g`. */
  offset(g: number): number {
    let at = 0;
    for (let i = 0; i < g; i++) at += this.widths[i];
    return at;
  }

  /** The choice index each gene's bits spell (possibly past the last choice). */
  codes(chromosome: Chromosome): number[] {
    return this.genes.map((_, g) => {
      let value = 0;
      for (let b = 0; b < this.widths[g]; b++) value = value * 2 + chromosome[this.offset(g) + b];
      return value;
    });
  }

  isValid(chromosome: Chromosome): boolean {
    return this.codes(chromosome).every((code, g) => code < this.genes[g].choices.length);
  }

  /** Gene name → choice; undefined when a code names no choice. */
  decode(chromosome: Chromosome): Genes | undefined {
    if (!this.isValid(chromosome)) return undefined;
    const codes = this.codes(chromosome);
    return Object.fromEntries(this.genes.map((gene, g) => [gene.name, gene.choices[codes[g]]]));
  }

  encode(genes: Genes): Chromosome {
    const bits: number[] = [];
    this.genes.forEach((gene, g) => {
      const index = gene.choices.indexOf(genes[gene.name]);
      if (index < 0) throw new Error(`gene ${gene.name} has no choice '${genes[gene.name]}'`);
      for (let b = this.widths[g] - 1; b >= 0; b--) bits.push((index >> b) & 1);
    });
    return bits;
  }

  key(chromosome: Chromosome): string {
    return chromosome.join('');
  }

  /** Every valid chromosome, for grid studies and tests. */
  all(): Chromosome[] {
    const out: Chromosome[] = [];
    const walk = (g: number, acc: Genes) => {
      if (g === this.genes.length) {
        out.push(this.encode(acc));
        return;
      }
      for (const choice of this.genes[g].choices) walk(g + 1, { ...acc, [this.genes[g].name]: choice });
    };
    walk(0, {});
    return out;
  }
}

/** The paper's 4-bit genome (Table 4): activation relu 00, leaky-relu 01, clipped-relu 10; optimizer sgdm 00, rmsprop 01, adam 10. */
export const PAPER_GENOME = new Genome([
  { name: 'activation', choices: PAPER_ACTIVATIONS },
  { name: 'optimizer', choices: PAPER_OPTIMIZERS },
]);
