import { evolveDocument } from '../document/evolve.js';
import type { EntryEvent, EntryFieldChanges, EntryLinks, TagChanges } from '../entry/events.js';
import { linkKeys } from '../entry/links.js';
import { initialEntryState, type EntryState } from '../entry/state.js';
import type { JsonObject } from '../shared/json.js';
import { decodeHlc } from '../shared/hlc.js';
import { mergeText, type MergeLabels } from './mergeText.js';

/**
 * An entry event in the canonical order of its stream (the sync server's order, then this device's events not
 * acknowledged yet), with what merging needs to know about its author's view.
 */
export interface MergeEvent {
  readonly eventId: string;
  /** Type and data at the current schema version. */
  readonly event: EntryEvent;
  /** The authoring device (the event's own metadata; it breaks HLC ties too). */
  readonly deviceId: string;
  readonly hlc: string;
  /** Strictly increasing along the stream. Any increasing numbering works (stream index, server sequence). */
  readonly order: number;
  /**
   * The order of the newest event the author had received from the server (its `baseEventId`), 0 when none.
   * The author saw exactly the events at or before it, and its own device's earlier events.
   */
  readonly seenOrder: number;
}

/** Which event set a value: its order, device and clock. */
export interface Stamp {
  readonly order: number;
  readonly device: string;
  readonly hlc: string;
}

/**
 * The merged state of an entry and what further merges need: who set each field, each tag's last add or remove,
 * and per device the order of its last body edit. JSON-serializable (the server keeps it with its view).
 */
export interface MergeState {
  readonly entry: EntryState;
  readonly fields: { readonly title?: Stamp; readonly attributes?: Stamp; readonly deleted?: Stamp };
  readonly tags: Readonly<Record<string, Stamp & { readonly present: boolean }>>;
  readonly bodyEdits: Readonly<Record<string, number>>;
  /** The last event that changed the body (its device and clock label conflict markers). */
  readonly bodyBy: Stamp | null;
  /** Which event set each resolved link (`entry.links`); absent in states kept before links. */
  readonly links?: Readonly<Record<string, Stamp>>;
}

export interface MergeStep {
  readonly state: MergeState;
  /** The event's body edit was concurrent with another device's and the lines clashed: both texts are kept. */
  readonly conflict: boolean;
  /** The event's body edit was concurrent with another device's (merged, cleanly or not). */
  readonly concurrent: boolean;
}

export function initialMergeState(entryId: string): MergeState {
  return { entry: initialEntryState(entryId), fields: {}, tags: {}, bodyEdits: {}, bodyBy: null, links: {} };
}

/**
 * True when `event` edits the body while another device edited it unseen by the author: applying it then needs
 * the body as its author saw it (see {@link applyMerge}).
 */
export function needsAuthorView(state: MergeState, event: MergeEvent): boolean {
  return bodyOf(event.event) !== undefined && concurrentBody(state.bodyEdits, event);
}

/**
 * Folds one event into the merged state. The deterministic merge rules (DESIGN.md §6), the same on every device
 * and on the server:
 * - a field (title, attributes, the deleted flag) takes the event's value if the author saw the value it replaces,
 *   else the later hybrid logical clock wins (the device id breaks ties);
 * - tags merge as sets: each tag added or removed follows that rule on its own;
 * - the body: an edit made after seeing the current body replaces it; one concurrent with another device's edit is
 *   merged three-way, line by line, against the body its author saw (`authorBody`), keeping both texts between
 *   conflict markers where the lines clash;
 * - links (`[[Title]]` → entry id, resolved when written) merge per link key like tags — the event's id if its author
 *   saw the one it replaces, else the later clock's — and the entry keeps those whose key is still linked in the body;
 * - an edit concurrent with a delete is kept (the entry stays deleted; restoring brings it back with the edit);
 * - document processing follows the stream's order.
 */
export function applyMerge(state: MergeState, event: MergeEvent, authorBody: () => string): MergeStep {
  const version = state.entry.version + 1;
  let entry: EntryState = { ...state.entry, version };
  const fields = { ...state.fields };
  let tags = state.tags;
  let body: BodyOutcome = { conflict: false, concurrent: false };
  let bodyState = { text: state.entry.body, edits: state.bodyEdits, by: state.bodyBy };
  let linkStamps = state.links ?? {};
  const stamp: Stamp = { order: event.order, device: event.deviceId, hlc: event.hlc };
  const setField = <K extends 'title' | 'attributes' | 'deleted'>(field: K, value: EntryState[K]) => {
    if (!wins(fields[field], event)) return;
    fields[field] = stamp;
    entry = { ...entry, [field]: value };
  };
  const setTags = (delta: TagChanges) => {
    tags = applyTagDelta(tags, delta, event, stamp);
    entry = { ...entry, tags: presentTags(tags) };
  };
  const setBody = (text: string) => {
    const step = bodyStep(bodyState, event, text, authorBody);
    body = step;
    bodyState = step.next;
    entry = { ...entry, body: bodyState.text };
  };
  const setLinks = (written: EntryLinks | undefined) => {
    const merged = mergeLinks(entry.links ?? {}, linkStamps, written ?? {}, event, stamp, entry.body);
    linkStamps = merged.stamps;
    entry = { ...entry, links: merged.ids };
  };
  const e = event.event;
  switch (e.type) {
    case 'EntryCreated':
      entry = { ...entry, exists: true, kind: e.data.kind };
      setField('title', e.data.title);
      setField('attributes', e.data.attributes);
      setField('deleted', false);
      setTags({ added: e.data.tags, removed: [] });
      setBody(e.data.body);
      setLinks(e.data.links);
      break;
    case 'DocumentImported': {
      const imported = evolveDocument(state.entry, e);
      entry = { ...entry, exists: true, kind: 'document', document: imported.document };
      setField('title', e.data.title);
      setField('attributes', e.data.attributes);
      setField('deleted', false);
      setTags({ added: e.data.tags, removed: [] });
      break;
    }
    case 'EntryUpdated':
    case 'EntryReverted': {
      const changes: EntryFieldChanges & { deleted?: boolean } = e.data.changes;
      if (changes.title !== undefined) setField('title', changes.title);
      if (changes.attributes !== undefined) setField('attributes', changes.attributes as JsonObject);
      if (changes.tags !== undefined) setTags(e.data.tagChanges ?? tagDelta(entry.tags, changes.tags));
      if (changes.body !== undefined) {
        setBody(changes.body);
        setLinks(e.type === 'EntryUpdated' ? e.data.links : undefined);
      }
      if (changes.deleted !== undefined) setField('deleted', changes.deleted);
      break;
    }
    case 'EntryDeleted':
      setField('deleted', true);
      break;
    case 'EntryRestored':
      setField('deleted', false);
      break;
    case 'DocumentStatusChanged':
    case 'DocumentProcessed':
    case 'DocumentProcessingFailed':
      entry = { ...entry, document: evolveDocument(entry, e).document };
      break;
    default:
      return assertNever(e);
  }
  const next: MergeState = { entry, fields, tags, bodyEdits: bodyState.edits, bodyBy: bodyState.by, links: linkStamps };
  return { state: next, conflict: body.conflict, concurrent: body.concurrent };
}

export interface StreamMerge {
  readonly state: MergeState;
  /** Events whose body edit clashed with a concurrent one (both texts kept in the body). */
  readonly conflicts: readonly string[];
  /** Events whose body edit was concurrent with another device's. */
  readonly concurrent: readonly string[];
}

/** What {@link toMergeEvents} needs of a stored event. */
export interface StreamEventInput {
  readonly eventId: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: { readonly deviceId: string; readonly hlc: string; readonly baseEventId?: string | null };
  /** Its order (the server's sequence, say); default its index + 1. Must increase along the stream. */
  readonly order?: number;
}

/**
 * Numbers a stream's events (in canonical order) for merging: order = index + 1, and each author's view from
 * its `baseEventId` (not found — an event the server lost — counts as none seen: more is merged, nothing lost).
 */
export function toMergeEvents(stream: readonly StreamEventInput[]): MergeEvent[] {
  const orderOf = new Map<string, number>();
  return stream.map((recorded, index) => {
    const order = recorded.order ?? index + 1;
    const base = recorded.metadata.baseEventId;
    const seenOrder = base ? (orderOf.get(base) ?? 0) : 0;
    orderOf.set(recorded.eventId, order);
    return { eventId: recorded.eventId, event: { type: recorded.type, data: recorded.data } as EntryEvent, deviceId: recorded.metadata.deviceId, hlc: recorded.metadata.hlc, order, seenOrder };
  });
}

/** Folds a whole stream, in canonical order, by the merge rules; every device computes the same state. */
export function mergeEntryStream(entryId: string, events: readonly MergeEvent[]): StreamMerge {
  const views = new AuthorViews(events);
  let state = initialMergeState(entryId);
  const conflicts: string[] = [];
  const concurrent: string[] = [];
  events.forEach((event, index) => {
    const step = applyMerge(state, event, () => views.bodyBefore(index));
    state = step.state;
    if (step.conflict) conflicts.push(event.eventId);
    if (step.concurrent) concurrent.push(event.eventId);
  });
  return { state, conflicts, concurrent };
}

// ── the body ──────────────────────────────────────────────────────────────────────────────────────

interface BodyState {
  readonly text: string;
  readonly edits: Readonly<Record<string, number>>;
  readonly by: Stamp | null;
}

interface BodyOutcome {
  readonly conflict: boolean;
  readonly concurrent: boolean;
}

function bodyStep(state: BodyState, event: MergeEvent, text: string, authorBody: () => string): BodyOutcome & { next: BodyState } {
  const stamp: Stamp = { order: event.order, device: event.deviceId, hlc: event.hlc };
  const edits = { ...state.edits, [event.deviceId]: event.order };
  if (!concurrentBody(state.edits, event)) return { next: { text, edits, by: stamp }, conflict: false, concurrent: false };
  const merged = mergeText(authorBody(), state.text, text, labels(state.by, stamp));
  return { next: { text: merged.text, edits, by: stamp }, conflict: !merged.clean, concurrent: true };
}

/** Another device edited the body after what the author had seen. */
function concurrentBody(edits: Readonly<Record<string, number>>, event: MergeEvent): boolean {
  for (const [device, order] of Object.entries(edits)) if (device !== event.deviceId && order > event.seenOrder) return true;
  return false;
}

function labels(current: Stamp | null, incoming: Stamp): MergeLabels {
  return { ours: current ? describe(current) : 'current text', theirs: describe(incoming) };
}

/**
 * Names an edit in a conflict marker: its time and its device by the last 8 characters of the device id. Device ids
 * are UUIDv7, whose first characters are the clock (the same for devices set up within a minute of each other) and
 * whose last ones are random; the UI finds this device's side of a conflict by them.
 */
function describe(stamp: Stamp): string {
  const clock = decodeHlc(stamp.hlc);
  const when = clock ? new Date(clock.wallMs).toISOString() : 'unknown time';
  return `edit of ${when} on device ${stamp.device.slice(-8)}`;
}

function bodyOf(event: EntryEvent): string | undefined {
  switch (event.type) {
    case 'EntryCreated':
      return event.data.body;
    case 'EntryUpdated':
    case 'EntryReverted':
      return event.data.changes.body;
    case 'EntryDeleted':
    case 'EntryRestored':
    case 'DocumentImported':
    case 'DocumentStatusChanged':
    case 'DocumentProcessed':
    case 'DocumentProcessingFailed':
      return undefined;
    default:
      return assertNever(event);
  }
}

/**
 * The body as each event's author saw it: the fold of the body over the events in its view (those at or before
 * its seen order, and its own device's earlier ones), by the same rule as the stream. An author's view holds the
 * views of every event in it, so what its device computed then is what this computes now. Memoized per event.
 */
class AuthorViews {
  private readonly memo = new Map<number, string>();

  constructor(private readonly events: readonly MergeEvent[]) {}

  bodyBefore(index: number): string {
    const known = this.memo.get(index);
    if (known !== undefined) return known;
    const author = this.events[index]!;
    let state: BodyState = { text: '', edits: {}, by: null };
    for (let j = 0; j < index; j++) {
      const event = this.events[j]!;
      if (event.order > author.seenOrder && event.deviceId !== author.deviceId) continue;
      const text = bodyOf(event.event);
      if (text === undefined) continue;
      state = bodyStep(state, event, text, () => this.bodyBefore(j)).next;
    }
    this.memo.set(index, state.text);
    return state.text;
  }
}

// ── fields and tags ───────────────────────────────────────────────────────────────────────────────

/** The event replaces a value whose setter its author saw, or whose clock is older. */
function wins(current: Stamp | undefined, event: MergeEvent): boolean {
  if (!current) return true;
  if (current.order <= event.seenOrder || current.device === event.deviceId) return true;
  return event.hlc > current.hlc;
}

function applyTagDelta(tags: MergeState['tags'], delta: TagChanges, event: MergeEvent, stamp: Stamp): MergeState['tags'] {
  const next = { ...tags };
  const set = (tag: string, present: boolean) => {
    if (wins(next[tag], event)) next[tag] = { ...stamp, present };
  };
  for (const tag of delta.added) set(tag, true);
  for (const tag of delta.removed) set(tag, false);
  return next;
}

/** The entry's links after a body change: the event's merged in per key, then only those still linked in the body. */
function mergeLinks(
  ids: Readonly<Record<string, string>>,
  stamps: Readonly<Record<string, Stamp>>,
  written: EntryLinks,
  event: MergeEvent,
  stamp: Stamp,
  body: string,
): { ids: Record<string, string>; stamps: Record<string, Stamp> } {
  const nextIds: Record<string, string> = { ...ids };
  const nextStamps: Record<string, Stamp> = { ...stamps };
  for (const [key, id] of Object.entries(written)) {
    if (!wins(nextStamps[key], event)) continue;
    nextIds[key] = id;
    nextStamps[key] = stamp;
  }
  const linked = new Set(linkKeys(body));
  const keptIds: Record<string, string> = {};
  const keptStamps: Record<string, Stamp> = {};
  for (const key of Object.keys(nextIds).sort()) {
    if (!linked.has(key)) continue;
    keptIds[key] = nextIds[key]!;
    if (nextStamps[key]) keptStamps[key] = nextStamps[key];
  }
  return { ids: keptIds, stamps: keptStamps };
}

function presentTags(tags: MergeState['tags']): string[] {
  return Object.keys(tags)
    .filter((tag) => tags[tag]!.present)
    .sort();
}

/** For events from before tag deltas: the change against the current tags (such events were never concurrent). */
function tagDelta(before: readonly string[], after: readonly string[]): TagChanges {
  const had = new Set(before);
  const has = new Set(after);
  return { added: after.filter((tag) => !had.has(tag)), removed: before.filter((tag) => !has.has(tag)) };
}

function assertNever(value: never): never {
  throw new Error(`unhandled entry event ${JSON.stringify(value)}`);
}
