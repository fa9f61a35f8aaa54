import type { AskCitation, AskSettingsChange, EngineAskNotice } from '@cairn/core';
import { errorMessage } from '../engine/engineError.js';
import type { SliceContext } from './sliceContext.js';
import type { AppActions, AppState } from './state.js';

type AskKeys = 'paletteTab' | 'ask' | 'askSettings' | 'askSettingsError' | 'openedPassage';
type AskActionKeys = 'setPaletteTab' | 'askQuestion' | 'askNotice' | 'cancelAsk' | 'loadAskSettings' | 'saveAskSettings' | 'openCitation';

let askCount = 0;
const newAskId = () => `ask-${Date.now().toString(36)}-${(askCount++).toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

/**
 * Ask in the search palette: the engine's `ask` runs as one call, while its `ask` notices of the same id bring the
 * passages and then the answer piece by piece; the call's result brings the citations. Only the newest question
 * is shown: notices of another id (an older question, another tab's) are ignored.
 */
export function askSlice(ctx: SliceContext): Pick<AppState, AskKeys> & Pick<AppActions, AskActionKeys> {
  return {
    paletteTab: 'search',
    ask: undefined,
    askSettings: undefined,
    askSettingsError: undefined,
    openedPassage: undefined,

    setPaletteTab(tab) {
      ctx.set({ paletteTab: tab });
      if (tab === 'ask' && ctx.get().askSettings === undefined) void ctx.get().loadAskSettings();
    },

    async askQuestion(question) {
      if (question.trim() === '' || !ctx.engine.has('ask')) return;
      const previous = ctx.get().ask;
      if (previous?.running) void ctx.get().cancelAsk();
      const askId = newAskId();
      ctx.set({ ask: { askId, question, passages: [], answer: '', result: undefined, running: true, error: undefined } });
      try {
        const result = await ctx.engine.call('ask', { question, askId });
        if (ctx.get().ask?.askId === askId) ctx.set({ ask: { askId, question, passages: result.passages, answer: result.answer ?? '', result, running: false, error: undefined } });
      } catch (error) {
        const current = ctx.get().ask;
        if (current?.askId === askId) ctx.set({ ask: { ...current, running: false, error: errorMessage(error) } });
      }
    },

    askNotice(notice: EngineAskNotice) {
      const current = ctx.get().ask;
      if (current?.askId !== notice.askId || !current.running) return;
      ctx.set({ ask: { ...current, ...(notice.passages !== undefined && { passages: notice.passages }), answer: current.answer + (notice.delta ?? '') } });
    },

    async cancelAsk() {
      const current = ctx.get().ask;
      if (current?.running && ctx.engine.has('cancelAsk')) await ctx.engine.call('cancelAsk', { askId: current.askId }).catch(() => undefined);
    },

    async loadAskSettings() {
      if (!ctx.engine.has('askSettings')) return;
      try {
        ctx.set({ askSettings: await ctx.engine.call('askSettings', {}), askSettingsError: undefined });
      } catch (error) {
        ctx.set({ askSettingsError: errorMessage(error) });
      }
    },

    async saveAskSettings(change: AskSettingsChange) {
      try {
        ctx.set({ askSettings: await ctx.engine.call('setAskSettings', change), askSettingsError: undefined });
        return true;
      } catch (error) {
        ctx.set({ askSettingsError: errorMessage(error) });
        return false;
      }
    },

    async openCitation(citation: Pick<AskCitation, 'entryId' | 'source' | 'highlight'>) {
      ctx.set({ searchOpen: false });
      await ctx.get().openEntry(citation.entryId);
      // After openEntry, which clears what the previous entry was opened on.
      ctx.set({ openedPassage: { entryId: citation.entryId, source: citation.source, start: citation.highlight.start, end: citation.highlight.end } });
    },
  };
}
