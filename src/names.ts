/**
 * The names used everywhere (CLI flags and choices, genes, the paper genome, report order, the
 * demo, the grid, JSON output, the database), declared once on the TypeScript side: every list
 * derives from these. The native addon owns them; test/cli.test.ts holds these to what its
 * info() reports.
 */

export const MODELS = ['alexnet', 'googlenet', 'vgg16', 'resnet50'] as const;
export type ModelName = (typeof MODELS)[number];
/**
 * Each network's own first-convolution kernel (torchvision's, as native/networks/models/*.cc build
 * it): a `--first-kernel` equal to it builds the very network that 0 (keep its own) does.
 */
export const OWN_FIRST_KERNEL: Readonly<Record<ModelName, number>> = { alexnet: 11, googlenet: 7, vgg16: 3, resnet50: 7 };

export const ACTIVATIONS = ['relu', 'leaky-relu', 'clipped-relu', 'elu', 'gelu', 'silu'] as const;
export type ActivationName = (typeof ACTIVATIONS)[number];

export const OPTIMIZERS = ['sgdm', 'rmsprop', 'adam', 'adamw', 'amsgrad', 'adagrad'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];
/** The paper's three activations and three optimizers, in its Table 4 order (which fixes the genome's codes). */
export const PAPER_ACTIVATIONS = ['relu', 'leaky-relu', 'clipped-relu'] as const satisfies readonly ActivationName[];
export const PAPER_OPTIMIZERS = ['sgdm', 'rmsprop', 'adam'] as const satisfies readonly OptimizerName[];

/** constant: the paper's; cosine: half a cosine from the rate towards 0 over the whole schedule. */
export const LEARNING_RATE_SCHEDULES = ['constant', 'cosine'] as const;
export type LearningRateScheduleName = (typeof LEARNING_RATE_SCHEDULES)[number];
