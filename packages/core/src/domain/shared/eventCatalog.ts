import type { z } from 'zod';
import { ValidationError } from '../../errors/cairnError.js';

/**
 * Every event type: its aggregate, its current schema version, its schema, and upcasters that lift
 * data written at an older version one step up. Old events are upcast when read, never rewritten.
 */
export interface EventTypeDefinition {
  readonly aggregateType: string;
  readonly version: number;
  readonly schema: z.ZodType;
  /** `upcasters[v]` turns data at version v into data at version v + 1. */
  readonly upcasters: Readonly<Record<number, (data: unknown) => unknown>>;
}

export class EventCatalog {
  private readonly types = new Map<string, EventTypeDefinition>();

  constructor(...groups: Record<string, EventTypeDefinition>[]) {
    for (const group of groups) {
      for (const [type, definition] of Object.entries(group)) {
        if (this.types.has(type)) throw new Error(`event type ${type} is defined twice`);
        for (let v = 1; v < definition.version; v++) {
          if (!definition.upcasters[v]) throw new Error(`event type ${type} has no upcaster from version ${v}`);
        }
        this.types.set(type, definition);
      }
    }
  }

  has(type: string): boolean {
    return this.types.has(type);
  }

  definition(type: string): EventTypeDefinition {
    const definition = this.types.get(type);
    if (!definition) throw new ValidationError(`unknown event type ${type}`, { type });
    return definition;
  }

  currentVersion(type: string): number {
    return this.definition(type).version;
  }

  /** Lifts data written at `schemaVersion` to the current version (no validation). */
  upcast(type: string, schemaVersion: number, data: unknown): unknown {
    const definition = this.definition(type);
    if (schemaVersion > definition.version) {
      throw new ValidationError(`event ${type} has schema version ${schemaVersion}, newer than this build knows (${definition.version}); update Cairn`, {
        type,
        schemaVersion,
      });
    }
    let current = data;
    for (let v = schemaVersion; v < definition.version; v++) current = definition.upcasters[v]!(current);
    return current;
  }

  /** Validates data at any known version and returns it at the current version. */
  validate(type: string, schemaVersion: number, data: unknown): unknown {
    const definition = this.definition(type);
    const upcast = this.upcast(type, schemaVersion, data);
    const result = definition.schema.safeParse(upcast);
    if (!result.success) {
      const issue = result.error.issues[0];
      const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
      throw new ValidationError(`invalid ${type} event${where}: ${issue?.message ?? 'schema mismatch'}`, { type });
    }
    return result.data;
  }
}
