/** Checks of flag values, each failing with one line that names the flag and the value. */
import { UsageError } from '../util/errors';
import { GENE_NAMES } from '../ga/genes';

export function integerFlag(flag: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: unknown): number => {
    const number = typeof value === 'number' ? value : Number(value);
    if (!Number.isInteger(number) || number < min || number > max) {
      throw new UsageError(`--${flag} must be an integer from ${min} to ${max} (got '${String(value)}')`);
    }
    return number;
  };
}

export function choiceFlag<T extends string>(flag: string, choices: readonly T[]) {
  return (value: unknown): T => {
    if (typeof value !== 'string' || !choices.includes(value as T)) {
      throw new UsageError(`--${flag} must be one of ${choices.join(', ')} (got '${String(value)}')`);
    }
    return value as T;
  };
}

/** The items of a comma-separated (or repeated) flag. */
function listItems(value: unknown): string[] {
  return (Array.isArray(value) ? value : [value]).flatMap((v) => String(v).split(',')).filter((v) => v !== '');
}

/** A comma-separated (or repeated) list of choices. */
export function choiceListFlag<T extends string>(flag: string, choices: readonly T[]) {
  const one = choiceFlag(flag, choices);
  return (value: unknown): T[] => {
    const items = listItems(value);
    if (items.length === 0) throw new UsageError(`--${flag} needs at least one of ${choices.join(', ')}`);
    return [...new Set(items.map(one))];
  };
}

const kebabCase = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** The gene names as a flag spells them, like the flags they stand for: learning-rate, batch-size, first-kernel. */
export const GENE_FLAG_NAMES = GENE_NAMES.map(kebabCase);

/**
 * A list of genes in the flags' spelling (the internal camelCase names, learningRate, are
 * taken too), returned as the internal names genesByName takes.
 */
export function geneListFlag(flag: string) {
  const spelled = choiceListFlag(flag, GENE_FLAG_NAMES);
  return (value: unknown): string[] =>
    spelled(listItems(value).map((item) => (GENE_NAMES.includes(item) ? kebabCase(item) : item))).map((name) => GENE_NAMES[GENE_FLAG_NAMES.indexOf(name)]);
}

export function numberFlag(flag: string, min: number, max: number, minIncluded = false) {
  return (value: unknown): number => {
    const number = typeof value === 'number' ? value : Number(value);
    if (!Number.isFinite(number) || (minIncluded ? number < min : number <= min) || number > max) {
      throw new UsageError(`--${flag} must be a number ${minIncluded ? 'from' : 'above'} ${min} and at most ${max} (got '${String(value)}')`);
    }
    return number;
  };
}

/** Runs a write to the file a flag names; a file-system failure becomes one line naming the flag and the file. */
export async function writingFlag<T>(flag: string, file: string, write: () => T | Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    const { code, syscall, path: where } = error as NodeJS.ErrnoException;
    if (typeof code !== 'string' || !/^E[A-Z]+$/.test(code)) throw error;
    // mkdir's EEXIST means a file sits where a folder of the path should be.
    const reason =
      syscall === 'mkdir' && (code === 'EEXIST' || code === 'ENOTDIR')
        ? `${where} is a file, not a folder`
        : `${code}: ${(error as Error).message.replace(/^E[A-Z]+: /, '').replace(/, \w+ '.*'$/, '')}`;
    throw new UsageError(`--${flag} ${file} cannot be written (${reason})`);
  }
}
