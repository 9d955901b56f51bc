/** The names used everywhere: CLI flags, JSON output, the database. The native addon owns the lists; these mirror them for types. */

export const MODELS = ['alexnet', 'googlenet', 'vgg16', 'resnet50'] as const;
export type ModelName = (typeof MODELS)[number];
/**
 * Each network's own first-convolution kernel (torchvision's, as native/models/*.cc build
 * it): a `--first-kernel` equal to it builds the very network that 0 (keep its own) does.
 */
export const OWN_FIRST_KERNEL: Readonly<Record<ModelName, number>> = { alexnet: 11, googlenet: 7, vgg16: 3, resnet50: 7 };

export const ACTIVATIONS = ['relu', 'leaky-relu', 'clipped-relu', 'elu', 'gelu', 'silu'] as const;
export type ActivationName = (typeof ACTIVATIONS)[number];

export const OPTIMIZERS = ['sgdm', 'rmsprop', 'adam', 'adamw', 'amsgrad', 'adagrad'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];
/** constant: the paper's; cosine: half a cosine from the rate towards 0 over the whole schedule. */
export const LEARNING_RATE_SCHEDULES = ['constant', 'cosine'] as const;
export type LearningRateScheduleName = (typeof LEARNING_RATE_SCHEDULES)[number];
