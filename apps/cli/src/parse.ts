import type { OptionValues } from './command.js';
import { usageError } from './usageError.js';

type OptionValue = OptionValues[string];

function text(value: OptionValue): string {
  return Array.isArray(value) ? value.map(String).join(',') : String(value);
}

/** A whole number from a flag, with a message that names the flag. */
export function intOption(value: OptionValue, flag: string, usage: string, min = 0): number | undefined {
  if (value === undefined) return undefined;
  const raw = text(value);
  if (!/^\d+$/.test(raw) || Number(raw) < min || !Number.isSafeInteger(Number(raw))) {
    throw usageError(`${flag} must be a whole number${min > 0 ? ` of at least ${min}` : ''}, not "${raw}"`, usage);
  }
  return Number(raw);
}

export function oneOf<T extends string>(value: OptionValue, allowed: readonly T[], flag: string, usage: string): T | undefined {
  if (value === undefined) return undefined;
  const raw = text(value);
  if (!(allowed as readonly string[]).includes(raw)) {
    throw usageError(`${flag} must be one of ${allowed.join(', ')}, not "${raw}"`, usage);
  }
  return raw as T;
}

export function stringList(value: OptionValue): string[] | undefined {
  if (value === undefined) return undefined;
  return (Array.isArray(value) ? value : [value]).map(String);
}
