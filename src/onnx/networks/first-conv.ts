/**
 * The first convolution's padding, as native/networks/network.cc chooses it: the network's
 * own kernel keeps its own padding, another kernel (`--first-kernel`) pads kernel/2.
 */
export function firstConvPadding(kernel: number, ownKernel: number, ownPadding: number): number {
  return kernel === ownKernel ? ownPadding : Math.floor(kernel / 2);
}
