/** Checks of flag values, each failing with one line that names the flag and the value. */
import { UsageError } from '../errors';

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

/** A comma-separated (or repeated) list of choices. */
export function choiceListFlag<T extends string>(flag: string, choices: readonly T[]) {
  const one = choiceFlag(flag, choices);
  return (value: unknown): T[] => {
    const items = (Array.isArray(value) ? value : [value]).flatMap((v) => String(v).split(',')).filter((v) => v !== '');
    if (items.length === 0) throw new UsageError(`--${flag} needs at least one of ${choices.join(', ')}`);
    return [...new Set(items.map(one))];
  };
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
