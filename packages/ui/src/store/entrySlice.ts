import type { EntryView } from '@cairn/core';
import { errorCode, errorMessage } from '../engine/engineError.js';
import { parseTags, type SliceContext } from './sliceContext.js';
import type { AppActions, AppState, Draft } from './state.js';

export const AUTOSAVE_MS = 700;

type EntryKeys = 'selectedId' | 'entry' | 'entryError' | 'draft' | 'draftRevision' | 'dirty' | 'saving' | 'conflict' | 'openedFromSearch';
type EntryActionKeys = 'openEntry' | 'editDraft' | 'saveDraft' | 'discardDraft' | 'createNote' | 'deleteEntry' | 'restoreEntry';

export function draftOf(entry: EntryView): Draft {
  return { title: entry.title, body: entry.body, tags: entry.tags.join(', ') };
}

function sameDraft(a: Draft, b: Draft): boolean {
  return a.title === b.title && a.body === b.body && parseTags(a.tags).join(',') === parseTags(b.tags).join(',');
}

/**
 * The open entry and its draft. Edits save themselves shortly after typing stops, with the version they
 * were based on: if the entry moved on elsewhere meanwhile, the engine refuses (`concurrency`) and the
 * person chooses between their text and the newer one; nothing is overwritten silently.
 */
export function entrySlice(ctx: SliceContext): Pick<AppState, EntryKeys> & Pick<AppActions, EntryActionKeys> & { reloadEntry(): Promise<void> } {
  let autosave: unknown;
  let loadSeq = 0;

  const cancelAutosave = () => {
    if (autosave !== undefined) ctx.clearTimer(autosave);
    autosave = undefined;
  };

  const showEntry = (entry: EntryView) =>
    ctx.set((state) => ({ entry, draft: draftOf(entry), draftRevision: state.draftRevision + 1, dirty: false, conflict: false, entryError: undefined }));

  const load = async (id: string): Promise<EntryView | undefined> => {
    const seq = ++loadSeq;
    try {
      const entry = await ctx.engine.call('getEntry', { id });
      return seq === loadSeq && ctx.get().selectedId === id ? entry : undefined;
    } catch (error) {
      if (seq === loadSeq) ctx.set({ entryError: errorMessage(error) });
      return undefined;
    }
  };

  const save = async (options: { overwrite?: boolean } = {}): Promise<void> => {
    cancelAutosave();
    const { entry, draft, dirty, saving } = ctx.get();
    if (!entry || !draft || !dirty || saving) return;
    if (entry.deleted) return;
    ctx.set({ saving: true });
    try {
      const result = await ctx.engine.call('updateEntry', {
        id: entry.id,
        title: draft.title,
        body: draft.body,
        tags: parseTags(draft.tags),
        ...(!options.overwrite && { expectedVersion: entry.version }),
      });
      const fresh = await ctx.engine.call('getEntry', { id: entry.id });
      const now = ctx.get();
      if (now.selectedId !== entry.id) return;
      // Typing may have gone on while saving: keep the newer draft, and save it next.
      const stillSame = now.draft !== undefined && sameDraft(now.draft, draft);
      ctx.set({ entry: fresh, dirty: !stillSame, conflict: false });
      if (!stillSame) scheduleAutosave();
      if (result.changed && options.overwrite) ctx.get().toast({ kind: 'success', key: 'editor.overwritten' });
    } catch (error) {
      if (errorCode(error) === 'concurrency') ctx.set({ conflict: true });
      else ctx.get().toast({ kind: 'error', key: 'editor.saveFailed', detail: errorMessage(error) });
    } finally {
      ctx.set({ saving: false });
    }
  };

  function scheduleAutosave() {
    cancelAutosave();
    autosave = ctx.setTimer(() => {
      autosave = undefined;
      if (!ctx.get().conflict) void save();
    }, AUTOSAVE_MS);
  }

  return {
    selectedId: undefined,
    entry: undefined,
    entryError: undefined,
    draft: undefined,
    draftRevision: 0,
    dirty: false,
    saving: false,
    conflict: false,
    openedFromSearch: undefined,

    async openEntry(id, options = {}) {
      if (ctx.get().dirty) await save();
      cancelAutosave();
      ctx.set({
        selectedId: id,
        entry: undefined,
        draft: undefined,
        dirty: false,
        conflict: false,
        openedFromSearch: options.searchTerms,
        entryError: undefined,
        viewing: undefined,
        historyItems: [],
        document: undefined,
        documentText: undefined,
        documentError: undefined,
        documentSummary: undefined,
      });
      if (id === undefined) return;
      const entry = await load(id);
      if (entry) showEntry(entry);
      if (entry && ctx.get().historyOpen) await ctx.get().openHistory(true);
    },

    editDraft(patch, options) {
      const { draft, entry } = ctx.get();
      if (!draft || !entry || entry.deleted) return;
      ctx.set((state) => ({ draft: { ...draft, ...patch }, dirty: true, ...(options?.replace === true && { draftRevision: state.draftRevision + 1 }) }));
      scheduleAutosave();
    },

    saveDraft: save,

    /** Drops unsaved edits and shows the entry as the engine has it (after a conflict: the newer text). */
    async discardDraft() {
      cancelAutosave();
      const id = ctx.get().selectedId;
      if (id === undefined) return;
      ctx.set({ dirty: false, conflict: false });
      const entry = await load(id);
      if (entry) showEntry(entry);
    },

    async createNote(title) {
      try {
        const result = await ctx.engine.call('createEntry', { title, body: '' });
        if (ctx.get().view === 'trash' || ctx.get().view === 'documents' || ctx.get().view === 'activity') ctx.get().setView('all');
        await ctx.get().openEntry(result.entryId);
        void ctx.get().refreshLibrary();
        return result.entryId;
      } catch (error) {
        ctx.get().toast({ kind: 'error', key: 'editor.createFailed', detail: errorMessage(error) });
        return undefined;
      }
    },

    async deleteEntry() {
      const { entry } = ctx.get();
      if (!entry) return;
      if (ctx.get().dirty) await save();
      try {
        await ctx.engine.call('deleteEntry', { id: entry.id });
        ctx.get().toast({ kind: 'info', key: 'editor.deleted', values: { title: entry.title || '…' } });
        await ctx.get().openEntry(undefined);
        await ctx.get().refreshLibrary();
      } catch (error) {
        ctx.get().toast({ kind: 'error', key: 'editor.deleteFailed', detail: errorMessage(error) });
      }
    },

    async restoreEntry() {
      const { entry } = ctx.get();
      if (!entry) return;
      try {
        await ctx.engine.call('restoreEntry', { id: entry.id });
        ctx.get().toast({ kind: 'success', key: 'editor.restored', values: { title: entry.title || '…' } });
        const fresh = await load(entry.id);
        if (fresh) showEntry(fresh);
        await ctx.get().refreshLibrary();
      } catch (error) {
        ctx.get().toast({ kind: 'error', key: 'editor.restoreFailed', detail: errorMessage(error) });
      }
    },

    /** After a change elsewhere: show it, unless the person has unsaved edits (then flag the conflict). */
    async reloadEntry() {
      const { selectedId, dirty, saving } = ctx.get();
      if (selectedId === undefined || saving) return;
      const entry = await load(selectedId);
      if (!entry) return;
      const current = ctx.get();
      if (current.entry && entry.version === current.entry.version) return;
      if (current.dirty || dirty) ctx.set({ conflict: true });
      else showEntry(entry);
    },
  };
}
