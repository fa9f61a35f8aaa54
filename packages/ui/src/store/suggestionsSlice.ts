import { errorMessage } from '../engine/engineError.js';
import type { SliceContext } from './sliceContext.js';
import type { AppActions, AppState } from './state.js';

type SuggestionKeys = 'suggestions';

/**
 * What the agents suggest for the open entry: related entries (`related`) and tags (`suggestTags`). Accepting a tag
 * is an ordinary `updateEntry` with `addTags` (a version in the history, synced like any edit); dismissing one is
 * `dismissSuggestion`, which the engine remembers. Loaded when an entry opens and whenever its version changes.
 */
export function suggestionsSlice(ctx: SliceContext): Pick<AppState, SuggestionKeys> & Pick<AppActions, 'loadSuggestions' | 'acceptTag' | 'dismissTag' | 'dismissRelated'> {
  let seq = 0;
  const reload = async (id: string) => ctx.get().loadSuggestions(id);
  return {
    suggestions: undefined,

    async loadSuggestions(id) {
      const mine = ++seq;
      if (!ctx.engine.has('related') || !ctx.engine.has('suggestTags')) return;
      try {
        const [related, tags] = await Promise.all([ctx.engine.call('related', { id }), ctx.engine.call('suggestTags', { id })]);
        if (mine === seq && ctx.get().selectedId === id) ctx.set({ suggestions: { entryId: id, related: related.results, tags: tags.suggestions } });
      } catch {
        // A deleted entry has none; the panel then shows nothing rather than an error.
        if (mine === seq) ctx.set({ suggestions: { entryId: id, related: [], tags: [] } });
      }
    },

    async acceptTag(tag) {
      const { selectedId, dirty } = ctx.get();
      if (selectedId === undefined) return;
      try {
        // Unsaved edits go first, so the tag is added to what the person sees.
        if (dirty) await ctx.get().saveDraft();
        await ctx.engine.call('updateEntry', { id: selectedId, addTags: [tag] });
        await ctx.get().reloadEntry();
        await reload(selectedId);
      } catch (error) {
        ctx.get().toast({ kind: 'error', key: 'related.acceptFailed', detail: errorMessage(error) });
      }
    },

    async dismissTag(tag) {
      const id = ctx.get().selectedId;
      if (id === undefined) return;
      try {
        await ctx.engine.call('dismissSuggestion', { id, agent: 'tags', key: tag });
        ctx.set((state) => (state.suggestions?.entryId === id ? { suggestions: { ...state.suggestions, tags: state.suggestions.tags.filter((t) => t.tag !== tag) } } : {}));
      } catch (error) {
        ctx.get().toast({ kind: 'error', key: 'related.dismissFailed', detail: errorMessage(error) });
      }
    },

    async dismissRelated(otherId) {
      const id = ctx.get().selectedId;
      if (id === undefined) return;
      try {
        await ctx.engine.call('dismissSuggestion', { id, agent: 'related', key: otherId });
        ctx.set((state) => (state.suggestions?.entryId === id ? { suggestions: { ...state.suggestions, related: state.suggestions.related.filter((r) => r.entryId !== otherId) } } : {}));
      } catch (error) {
        ctx.get().toast({ kind: 'error', key: 'related.dismissFailed', detail: errorMessage(error) });
      }
    },
  };
}
