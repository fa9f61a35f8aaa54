import { errorCode, errorMessage } from '../engine/engineError.js';
import type { SliceContext } from './sliceContext.js';
import type { AppActions, AppState } from './state.js';

type DocumentKeys = 'document' | 'documentText' | 'documentError' | 'documentSummary';

/**
 * The open document's processing state (`getDocument`), its extracted text (`documentText`, fetched
 * once per text: a new version that changes only the title keeps the text it had) and its summary.
 */
export function documentSlice(ctx: SliceContext): Pick<AppState, DocumentKeys> & Pick<AppActions, 'loadDocument' | 'retryDocument' | 'fetchOriginal'> {
  let seq = 0;
  const current = (id: string, mine: number) => mine === seq && ctx.get().selectedId === id;
  return {
    document: undefined,
    documentText: undefined,
    documentError: undefined,
    documentSummary: undefined,

    async loadDocument(id) {
      const mine = ++seq;
      if (!ctx.engine.has('getDocument')) return;
      try {
        const doc = await ctx.engine.call('getDocument', { id });
        if (!current(id, mine)) return;
        const before = ctx.get().document;
        const sameText = before?.id === id && before.textSha256 === doc.textSha256;
        ctx.set({ document: doc, documentError: undefined, ...(!sameText && { documentText: undefined, documentSummary: undefined }) });
        if (ctx.engine.has('summary')) {
          // A summary is a help, not the document: when it cannot be read, the document shows without one.
          const summary = await ctx.engine.call('summary', { id }).catch(() => null);
          if (!current(id, mine)) return;
          ctx.set({ documentSummary: summary });
        }
        if (doc.textSha256 === null || (sameText && ctx.get().documentText !== undefined) || !ctx.engine.has('documentText')) return;
        const text = await ctx.engine.call('documentText', { id });
        if (current(id, mine)) ctx.set({ documentText: text.text });
      } catch (error) {
        // A document entry without an imported file (made by createEntry) has no processing to show.
        if (current(id, mine)) ctx.set({ document: undefined, documentText: undefined, documentSummary: undefined, documentError: errorCode(error) === 'not_found' ? undefined : errorMessage(error) });
      }
    },

    async fetchOriginal(id) {
      try {
        await ctx.engine.call('fetchOriginal', { id });
        await ctx.get().loadDocument(id);
      } catch (error) {
        ctx.get().toast({ kind: 'error', key: 'document.downloadFailed', detail: errorMessage(error) });
      }
    },

    async retryDocument(jobId) {
      try {
        await ctx.engine.call('retryJob', { jobId });
        const id = ctx.get().selectedId;
        if (id !== undefined) await ctx.get().loadDocument(id);
      } catch (error) {
        ctx.get().toast({ kind: 'error', key: 'document.retryFailed', detail: errorMessage(error) });
      }
    },
  };
}
