/**
 * The flags a user actually typed (yargs fills in defaults, so its parsed arguments
 * cannot tell them apart): `--epochs 3`, `--epochs=3` and `--no-augment` all name their flag.
 */
export function explicitFlags(argv: readonly string[] = process.argv.slice(2)): Set<string> {
  const flags = new Set<string>();
  for (const token of argv) {
    if (token === '--') break;
    const match = /^--(?:no-)?([^=]+)/.exec(token);
    if (match) flags.add(match[1]);
  }
  return flags;
}
