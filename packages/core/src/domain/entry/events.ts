import { z } from 'zod';
import type { DocumentEvent } from '../document/events.js';
import type { DomainEvent } from '../shared/envelope.js';
import { jsonObjectSchema } from '../shared/json.js';
import { maxResolvedLinks } from './links.js';

export const entryAggregateType = 'entry';

export const entryKinds = ['note', 'document'] as const;
export type EntryKind = (typeof entryKinds)[number];

export const entryLimits = {
  titleMaxChars: 1_000,
  bodyMaxChars: 10_000_000,
  tagMaxChars: 100,
  tagsMax: 200,
  attributesMaxBytes: 64 * 1024,
} as const;

const tagSchema = z.string().min(1).max(entryLimits.tagMaxChars);
const titleSchema = z.string().max(entryLimits.titleMaxChars);
const bodySchema = z.string().max(entryLimits.bodyMaxChars);

/**
 * The `[[Title]]` links of a new body that named an entry when the edit was decided: link key (the title normalized,
 * see links.ts) → that entry's id. Resolved at authoring time so every device ends with the same links whatever order
 * it applies events in (schema version 3 of EntryCreated and EntryUpdated; older events have none).
 */
export const entryLinksSchema = z
  .record(z.string().min(1).max(entryLimits.titleMaxChars), z.string().min(1).max(100))
  .refine((links) => Object.keys(links).length <= maxResolvedLinks, { message: `at most ${maxResolvedLinks} links` });
export type EntryLinks = z.infer<typeof entryLinksSchema>;

export const entryCreatedSchema = z.object({
  kind: z.enum(entryKinds),
  title: titleSchema,
  body: bodySchema,
  tags: z.array(tagSchema).max(entryLimits.tagsMax),
  attributes: jsonObjectSchema,
  links: entryLinksSchema.optional(),
});
export type EntryCreatedData = z.infer<typeof entryCreatedSchema>;

/** Shape of EntryCreated before entries had a kind and attributes; upcast on read. */
export const entryCreatedV1Schema = z.object({
  title: titleSchema,
  body: bodySchema,
  tags: z.array(tagSchema),
});

export const entryFieldChangesSchema = z
  .object({
    title: titleSchema.optional(),
    body: bodySchema.optional(),
    tags: z.array(tagSchema).max(entryLimits.tagsMax).optional(),
    attributes: jsonObjectSchema.optional(),
  })
  .strict();
export type EntryFieldChanges = z.infer<typeof entryFieldChangesSchema>;

/**
 * Which tags an edit added and removed, against the tags its author saw. `changes.tags` is the set the author
 * ended with; merging concurrent edits applies these deltas instead, so a tag added on one device and another
 * removed on a second both take effect. Present whenever `changes.tags` is (events before schema version 2 lack it).
 */
export const tagChangesSchema = z
  .object({
    added: z.array(tagSchema).max(entryLimits.tagsMax),
    removed: z.array(tagSchema).max(entryLimits.tagsMax),
  })
  .strict();
export type TagChanges = z.infer<typeof tagChangesSchema>;

/** v1 had only `changes`; v2 added `tagChanges`, v3 `links` (present when the body changed; upcast: absent). */
export const entryUpdatedSchema = z.object({ changes: entryFieldChangesSchema, tagChanges: tagChangesSchema.optional(), links: entryLinksSchema.optional() }).strict();
export type EntryUpdatedData = z.infer<typeof entryUpdatedSchema>;

export const entryDeletedSchema = z.object({}).strict();
export const entryRestoredSchema = z.object({}).strict();

export const entryRevertedSchema = z
  .object({
    toVersion: z.number().int().positive(),
    changes: entryFieldChangesSchema.extend({ deleted: z.boolean().optional() }).strict(),
    tagChanges: tagChangesSchema.optional(),
  })
  .strict();
export type EntryRevertedData = z.infer<typeof entryRevertedSchema>;

export type EntryCreated = DomainEvent<'EntryCreated', EntryCreatedData>;
export type EntryUpdated = DomainEvent<'EntryUpdated', EntryUpdatedData>;
export type EntryDeleted = DomainEvent<'EntryDeleted', Record<string, never>>;
export type EntryRestored = DomainEvent<'EntryRestored', Record<string, never>>;
export type EntryReverted = DomainEvent<'EntryReverted', EntryRevertedData>;

/** Every event of an entry stream; a document is an entry whose stream starts with DocumentImported. */
export type EntryEvent = EntryCreated | EntryUpdated | EntryDeleted | EntryRestored | EntryReverted | DocumentEvent;
export type EntryEventType = EntryEvent['type'];
