import { uuidv7 } from './uuidv7.js';

/** Where the engine gets time and ids; tests pass fixed ones, deciders never see these. */
export interface Environment {
  /** Wall-clock milliseconds since the epoch. */
  readonly now: () => number;
  /** A new UUIDv7 (time-ordered). */
  readonly newId: () => string;
  /** A number in [0, 1) — jitter for retries. */
  readonly random: () => number;
}

export const systemEnvironment: Environment = {
  now: () => Date.now(),
  newId: () => uuidv7(),
  random: () => Math.random(),
};

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return uuidPattern.test(value);
}
