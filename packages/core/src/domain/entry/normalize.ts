import { ValidationError } from '../../errors/cairnError.js';
import { canonicalJson, type JsonObject, type JsonValue } from '../shared/json.js';
import { entryLimits } from './events.js';

/** A tag as stored: NFC, lower case, no leading '#', no whitespace. */
export function normalizeTag(raw: string): string {
  const tag = raw.normalize('NFC').trim().replace(/^#+/, '').toLowerCase();
  if (tag.length === 0) throw new ValidationError(`tag "${raw}" is empty`, { tag: raw });
  if (/\s/u.test(tag)) throw new ValidationError(`tag "${raw}" contains whitespace`, { tag: raw });
  if (tag.length > entryLimits.tagMaxChars) throw new ValidationError(`tag is longer than ${entryLimits.tagMaxChars} characters`, { tag: raw });
  return tag;
}

/** Normalized, de-duplicated and sorted, so equal sets compare equal. */
export function normalizeTags(raw: readonly string[]): string[] {
  const tags = [...new Set(raw.map(normalizeTag))].sort();
  if (tags.length > entryLimits.tagsMax) throw new ValidationError(`an entry can have at most ${entryLimits.tagsMax} tags`);
  return tags;
}

export function normalizeTitle(raw: string): string {
  const title = raw.normalize('NFC').replace(/\s+/gu, ' ').trim();
  if (title.length === 0) throw new ValidationError('title must not be empty');
  if (title.length > entryLimits.titleMaxChars) throw new ValidationError(`title is longer than ${entryLimits.titleMaxChars} characters`);
  return title;
}

export function normalizeBody(raw: string): string {
  const body = raw.replace(/\r\n?/g, '\n');
  if (body.length > entryLimits.bodyMaxChars) throw new ValidationError(`body is longer than ${entryLimits.bodyMaxChars} characters`);
  return body;
}

export function normalizeAttributes(raw: Readonly<Record<string, JsonValue>>): JsonObject {
  const attributes: JsonObject = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key.length === 0) throw new ValidationError('attribute names must not be empty');
    if (value !== null) attributes[key] = value;
  }
  if (canonicalJson(attributes).length > entryLimits.attributesMaxBytes) {
    throw new ValidationError(`attributes are larger than ${entryLimits.attributesMaxBytes} bytes`);
  }
  return attributes;
}
