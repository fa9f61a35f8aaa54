import { migration001 } from './001_initial.js';
import { migration002 } from './002_push_function.js';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** Every migration, in order. A shipped migration never changes (a test pins each one's hash). */
export const migrations: readonly Migration[] = [migration001, migration002];
