import { describe, expect, it } from 'vitest';
import { deciderSpec } from '../../testing/deciderSpec.js';
import type { EntryCommand } from '../entry/commands.js';
import { decideEntry } from '../entry/decide.js';
import type { EntryEvent } from '../entry/events.js';
import { evolveEntry } from '../entry/evolve.js';
import { initialEntryState, type EntryState } from '../entry/state.js';
import type { DocumentCommand } from './commands.js';
import { decideDocument } from './decide.js';
import type { DocumentProcessedData } from './events.js';

const id = '0190f5e2-0000-7000-8000-000000000002';
const sha = 'a'.repeat(64);
const file = { sha256: sha, name: 'Quarterly report.pdf', size: 1234, mimeType: 'application/pdf' };

const spec = deciderSpec<EntryState, DocumentCommand, EntryEvent, undefined>({
  decide: (command, state) => decideDocument(command, state),
  evolve: evolveEntry,
  initialState: () => initialEntryState(id),
});

const imported: EntryEvent = { type: 'DocumentImported', data: { title: 'Quarterly report.pdf', tags: [], attributes: {}, file } };
const processed: DocumentProcessedData = { textSha256: 'b'.repeat(64), mimeType: 'application/pdf', pageCount: 3, ocrUsed: false, language: 'en', chars: 420 };

describe('ImportDocument', () => {
  it('creates a document entry titled after the file', () => {
    spec
      .given([])
      .when({ type: 'ImportDocument', entryId: id, file, tags: ['#Work'] })
      .then([{ type: 'DocumentImported', data: { title: 'Quarterly report.pdf', tags: ['work'], attributes: {}, file } }]);
  });

  it('the new entry is a document, queued for processing', () => {
    const state = [imported].reduce(evolveEntry, initialEntryState(id));
    expect(state).toMatchObject({ exists: true, kind: 'document', title: 'Quarterly report.pdf', body: '', version: 1 });
    expect(state.document).toMatchObject({ status: 'queued', file, processed: null, failure: null });
  });

  it('rejects a file whose digest is not a SHA-256', () => {
    spec.given([]).when({ type: 'ImportDocument', entryId: id, file: { ...file, sha256: 'abc' } }).thenThrows('validation');
  });

  it('rejects importing into an existing entry', () => {
    spec.given([imported]).when({ type: 'ImportDocument', entryId: id, file }).thenThrows('conflict');
  });
});

describe('processing', () => {
  it('moves through stages and records the text', () => {
    spec.given([imported]).when({ type: 'ChangeDocumentStatus', entryId: id, status: 'extracting' }).then([{ type: 'DocumentStatusChanged', data: { status: 'extracting', note: null } }]);
    spec
      .given([imported, { type: 'DocumentStatusChanged', data: { status: 'extracting', note: null } }])
      .when({ type: 'CompleteDocumentProcessing', entryId: id, result: processed })
      .then([{ type: 'DocumentProcessed', data: processed }]);
  });

  it('recording the same outcome again changes nothing (a job that runs twice)', () => {
    spec.given([imported, { type: 'DocumentProcessed', data: processed }]).when({ type: 'CompleteDocumentProcessing', entryId: id, result: processed }).thenNothingHappens();
    const failure = { reason: 'the file is empty', code: 'empty', retryable: false };
    spec.given([imported, { type: 'DocumentProcessingFailed', data: failure }]).when({ type: 'FailDocumentProcessing', entryId: id, failure }).thenNothingHappens();
    spec.given([imported]).when({ type: 'ChangeDocumentStatus', entryId: id, status: 'queued' }).thenNothingHappens();
  });

  it('a failure says why; unsupported content ends as unsupported, other failures as failed', () => {
    const unsupported = [imported, { type: 'DocumentProcessingFailed', data: { reason: 'audio has no text', code: 'unsupported', retryable: false } } as EntryEvent].reduce(
      evolveEntry,
      initialEntryState(id),
    );
    expect(unsupported.document).toMatchObject({ status: 'unsupported', failure: { reason: 'audio has no text' } });
    const failed = [imported, { type: 'DocumentProcessingFailed', data: { reason: 'truncated', code: 'corrupt', retryable: false } } as EntryEvent].reduce(evolveEntry, initialEntryState(id));
    expect(failed.document?.status).toBe('failed');
  });

  it('a retry that succeeds clears the failure', () => {
    const state = [
      imported,
      { type: 'DocumentProcessingFailed', data: { reason: 'timed out', code: 'timeout', retryable: true } } as EntryEvent,
      { type: 'DocumentStatusChanged', data: { status: 'queued', note: 'retry requested' } } as EntryEvent,
      { type: 'DocumentProcessed', data: processed } as EntryEvent,
    ].reduce(evolveEntry, initialEntryState(id));
    expect(state.document).toMatchObject({ status: 'done', failure: null, processed, note: null });
    expect(state.version).toBe(4);
  });

  it('rejects processing results for notes and missing entries', () => {
    spec.given([]).when({ type: 'CompleteDocumentProcessing', entryId: id, result: processed }).thenThrows('not_found');
    const note: EntryEvent = { type: 'EntryCreated', data: { kind: 'note', title: 'n', body: '', tags: [], attributes: {} } };
    spec.given([note]).when({ type: 'ChangeDocumentStatus', entryId: id, status: 'ocr' }).thenThrows('validation');
  });

  it('rejects a malformed result', () => {
    spec.given([imported]).when({ type: 'CompleteDocumentProcessing', entryId: id, result: { ...processed, chars: -1 } }).thenThrows('validation');
  });
});

describe('document entries are entries', () => {
  it('can be renamed, tagged, deleted and restored like notes', () => {
    const entrySpec = deciderSpec<EntryState, EntryCommand, EntryEvent, undefined>({ decide: (c, s) => decideEntry(c, s), evolve: evolveEntry, initialState: () => initialEntryState(id) });
    entrySpec.given([imported]).when({ type: 'UpdateEntry', entryId: id, title: 'Q3 report', addTags: ['finance'] }).then([{ type: 'EntryUpdated', data: { changes: { title: 'Q3 report', tags: ['finance'] }, tagChanges: { added: ['finance'], removed: [] } } }]);
    entrySpec.given([imported]).when({ type: 'DeleteEntry', entryId: id }).then([{ type: 'EntryDeleted', data: {} }]);
  });
});
