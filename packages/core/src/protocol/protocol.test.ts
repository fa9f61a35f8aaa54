import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { eventCatalog } from '../domain/catalog.js';
import { documentEventTypes } from '../domain/document/eventTypes.js';
import { entryEventTypes } from '../domain/entry/eventTypes.js';
import { canonicalJson } from '../domain/shared/json.js';
import { checkProtocolVersion, PROTOCOL_VERSION, protocolJsonSchema, pullQuerySchema, validateWireEvent } from './index.js';

/**
 * The wire is pinned: a change to any protocol schema changes this hash. When it fails, decide whether the change
 * is compatible; bump PROTOCOL_VERSION (and MIN_PROTOCOL_VERSION if old clients cannot be served), add a line to
 * version.ts's history, and pin the new hash with the new version.
 */
const pinned = { version: 2, sha256: '0f3eaa94a129c95a82269aa8b69ee4cdefe791fc217a468436eaf9dc02d8d0ee' };

/**
 * Events travel inside the messages as opaque data that the server checks with core's event catalog, so the catalog's
 * schema versions are part of the wire too: a server of an older build refuses events newer than it knows. Pinned with
 * the protocol version, so bumping an event's schema bumps the protocol and an old server answers `server_too_old`.
 */
const pinnedEventVersions = {
  version: 2,
  events: {
    EntryCreated: 3,
    EntryUpdated: 3,
    EntryDeleted: 1,
    EntryRestored: 1,
    EntryReverted: 2,
    DocumentImported: 1,
    DocumentStatusChanged: 1,
    DocumentProcessed: 1,
    DocumentProcessingFailed: 1,
  },
};

describe('protocol', () => {
  it('pins a hash of every wire schema with the protocol version', () => {
    const hash = createHash('sha256').update(canonicalJson(protocolJsonSchema())).digest('hex');
    expect({ version: PROTOCOL_VERSION, sha256: hash }).toEqual(pinned);
  });

  it('pins the event catalog’s schema versions with the protocol version', () => {
    const events = Object.fromEntries(Object.keys(pinnedEventVersions.events).map((type) => [type, eventCatalog.currentVersion(type)]));
    expect({ version: PROTOCOL_VERSION, events }).toEqual(pinnedEventVersions);
    expect([...Object.keys(entryEventTypes), ...Object.keys(documentEventTypes)].sort()).toEqual(Object.keys(pinnedEventVersions.events).sort());
  });

  it('names who must upgrade when versions differ', () => {
    expect(checkProtocolVersion(undefined)).toEqual({ ok: true, version: PROTOCOL_VERSION });
    expect(checkProtocolVersion(String(PROTOCOL_VERSION + 1))).toMatchObject({ ok: false, code: 'server_too_old' });
    expect(checkProtocolVersion('0')).toMatchObject({ ok: false, code: 'client_too_old' });
    expect(checkProtocolVersion('x')).toMatchObject({ ok: false });
  });

  it('loads without SQLite: its imports reach only pure modules and pure libraries', () => {
    const seen = new Set<string>();
    const bare = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const [, specifier] of readFileSync(file, 'utf8').matchAll(/^(?:import|export)[^'"]*from '([^']+)'/gm)) {
        if (specifier!.startsWith('.')) visit(resolve(dirname(file), specifier!.replace(/\.js$/, '.ts')));
        else bare.add(specifier!);
      }
    };
    visit(fileURLToPath(new URL('./index.ts', import.meta.url)));
    expect([...bare].filter((name) => !['zod', 'node-diff3'].includes(name))).toEqual([]);
    const folders = new Set([...seen].map((file) => relative(fileURLToPath(new URL('..', import.meta.url)), file).split(sep)[0]));
    expect([...folders].sort()).toEqual(['domain', 'errors', 'protocol']);
  });

  it('refuses pull cursors and limits that are negative, huge or not numbers', () => {
    for (const query of [{ after: '-1' }, { after: '1e3' }, { after: '99999999999999999999' }, { limit: '0' }, { limit: '100000' }, { limit: 'ten' }, { other: '1' }]) {
      expect(pullQuerySchema.safeParse(query).success, JSON.stringify(query)).toBe(false);
    }
    expect(pullQuerySchema.parse({})).toEqual({ after: 0, limit: 1000 });
    expect(pullQuerySchema.parse({ after: '42', limit: '7' })).toEqual({ after: 42, limit: 7 });
  });

  describe('validateWireEvent', () => {
    const device = '0190f5e2-0000-7000-8000-0000000000d1';
    const good = {
      eventId: '0190f5e2-0000-7000-8000-000000000e01',
      type: 'EntryCreated',
      schemaVersion: 2,
      aggregateId: '0190f5e2-0000-7000-8000-000000000a01',
      aggregateType: 'entry',
      version: 1,
      data: { kind: 'note', title: 'T', body: '', tags: [], attributes: {} },
      metadata: {
        workspaceId: 'personal',
        actorId: 'user:me',
        deviceId: device,
        hlc: `001764650000000:000000:${device}`,
        baseVersion: 0,
        correlationId: 'c',
        causationId: null,
        at: '2026-12-02T05:00:00.000Z',
        baseEventId: null,
      },
    };
    it('accepts an event the engine would append', () => {
      expect(validateWireEvent(good, 0).eventId).toBe(good.eventId);
    });
    it('accepts entry events of schema version 3 with resolved links, and older ones without', () => {
      const linked = { ...good, schemaVersion: 3, data: { ...good.data, body: 'see [[Other]]', links: { other: '0190f5e2-0000-7000-8000-000000000a02' } } };
      expect(validateWireEvent(linked, 0).eventId).toBe(good.eventId);
      const update = { ...good, type: 'EntryUpdated', version: 2, schemaVersion: 2, data: { changes: { body: 'x' } } };
      expect(validateWireEvent(update, 0).type).toBe('EntryUpdated');
      expect(() => validateWireEvent({ ...linked, data: { ...linked.data, links: { other: 42 } } }, 0)).toThrow(/links/);
    });
    it('refuses, naming the event and why', () => {
      const cases: [unknown, RegExp][] = [
        [{ ...good, type: 'EntryExploded' }, /unknown type/],
        [{ ...good, data: { ...good.data, title: 42 } }, /title/],
        [{ ...good, aggregateType: 'document' }, /belongs to entry/],
        [{ ...good, schemaVersion: 9 }, /newer than this build/],
        [{ ...good, metadata: { ...good.metadata, hlc: 'soon' } }, /metadata\.hlc/],
        [{ ...good, metadata: { ...good.metadata, deviceId: '0190f5e2-0000-7000-8000-0000000000d2' } }, /another device/],
        [{ ...good, extra: 1 }, /not a valid event/],
        ['nope', /not a valid event/],
      ];
      for (const [event, reason] of cases) {
        let thrown: unknown;
        try {
          validateWireEvent(event, 3);
        } catch (error) {
          thrown = error;
        }
        expect(thrown, JSON.stringify(event)).toMatchObject({ code: 'validation', details: { index: 3 } });
        expect((thrown as Error).message).toMatch(reason);
      }
    });
  });
});
