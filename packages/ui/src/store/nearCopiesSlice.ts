import type { NearCopy } from '@cairn/core';
import { errorMessage } from '../engine/engineError.js';
import type { SliceContext } from './sliceContext.js';

export interface NearCopiesState {
  /** The open entry's near copies (the engine's `near_duplicates` agent), best first; undefined until asked. */
  readonly nearCopies: { readonly entryId: string; readonly copies: readonly NearCopy[] } | undefined;
}

export interface NearCopiesActions {
  readonly loadNearCopies: (entryId: string) => Promise<void>;
  /** "Keep both": the pair is dismissed (agent `duplicates`), on this device, and not offered again. */
  readonly keepBothCopies: (copy: NearCopy) => Promise<void>;
  /** Moves the copy (not the open entry) to the trash, whence it can be restored. */
  readonly trashCopy: (copy: NearCopy) => Promise<void>;
  /** Appends `[[Title]]` of the copy to the open entry's body (through the draft for a note, so nothing typed is lost). */
  readonly linkCopy: (copy: NearCopy) => Promise<void>;
  /** Asks again for the open entry's near copies (after a change anywhere: a new entry may be one). */
  readonly refreshNearCopies: () => void;
  /** Toasts when a just-imported document turns out to be a near copy of something. */
  readonly nearCopiesNotice: (entryId: string, name: string) => Promise<void>;
}

/** The line that links an entry to another by its title. */
export function linkLine(title: string): string {
  return `[[${title}]]`;
}

/** The body with the link appended on a line of its own (unless the body already holds it). */
export function withLink(body: string, title: string): string {
  const line = linkLine(title);
  if (body.includes(line)) return body;
  return body.trimEnd() === '' ? line : `${body.trimEnd()}\n\n${line}\n`;
}

const percent = (similarity: number) => Math.round(similarity * 100);

/**
 * Near copies of the open entry, and what a person can do with one: keep both, trash the copy, or link the two. An
 * import that turns out to be a near copy of something is told in a toast (`nearCopiesNotice`).
 */
export function nearCopiesSlice(ctx: SliceContext): NearCopiesState & NearCopiesActions {
  const load = async (entryId: string): Promise<void> => {
    if (!ctx.engine.has('nearDuplicates')) return;
    try {
      const copies = await ctx.engine.call('nearDuplicates', { id: entryId });
      // Another entry may have been opened meanwhile.
      if (ctx.get().selectedId === entryId) ctx.set({ nearCopies: { entryId, copies } });
    } catch {
      // An entry that went away, or an engine without the agent: nothing to show.
      if (ctx.get().selectedId === entryId) ctx.set({ nearCopies: { entryId, copies: [] } });
    }
  };
  const current = () => ctx.get().nearCopies?.entryId;

  return {
    nearCopies: undefined,
    loadNearCopies: load,
    refreshNearCopies() {
      const id = ctx.get().selectedId;
      if (id !== undefined) void load(id);
    },
    async keepBothCopies(copy) {
      const id = current();
      if (id === undefined) return;
      try {
        await ctx.engine.call('dismissSuggestion', { id, agent: 'duplicates', key: copy.entryId });
        await load(id);
      } catch (error) {
        ctx.get().toast({ kind: 'error', key: 'nearCopies.failed', detail: errorMessage(error) });
      }
    },
    async trashCopy(copy) {
      const id = current();
      if (id === undefined) return;
      try {
        await ctx.engine.call('deleteEntry', { id: copy.entryId });
        ctx.get().toast({ kind: 'info', key: 'editor.deleted', values: { title: copy.title || '…' } });
        await load(id);
      } catch (error) {
        ctx.get().toast({ kind: 'error', key: 'editor.deleteFailed', detail: errorMessage(error) });
      }
    },
    async linkCopy(copy) {
      const { entry, draft } = ctx.get();
      if (!entry || entry.id !== current()) return;
      try {
        if (entry.kind === 'note' && draft) {
          ctx.get().editDraft({ body: withLink(draft.body, copy.title) }, { replace: true });
          await ctx.get().saveDraft();
        } else {
          await ctx.engine.call('updateEntry', { id: entry.id, body: withLink(entry.body, copy.title), expectedVersion: entry.version });
          await ctx.get().reloadEntry();
        }
        ctx.get().toast({ kind: 'success', key: 'nearCopies.linked', values: { title: copy.title || '…' } });
      } catch (error) {
        ctx.get().toast({ kind: 'error', key: 'nearCopies.failed', detail: errorMessage(error) });
      }
    },
    async nearCopiesNotice(entryId, name) {
      if (!ctx.engine.has('nearDuplicates')) return;
      try {
        const [best, ...more] = await ctx.engine.call('nearDuplicates', { id: entryId });
        if (!best) return;
        ctx.get().toast({ kind: 'info', key: more.length > 0 ? 'nearCopies.foundMore' : 'nearCopies.found', values: { name, title: best.title || '…', percent: percent(best.similarity), count: more.length } });
      } catch {
        // the import itself went fine; the notice is a nicety
      }
    },
  };
}
