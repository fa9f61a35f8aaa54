import { errorMessage } from '../engine/engineError.js';
import type { SliceContext } from './sliceContext.js';
import type { AppActions, AppState } from './state.js';

/**
 * The open document's original shown as text (`viewOriginal`: Markdown, or HTML and e-mail already made safe
 * by the engine). An original never changes, so the view is fetched once per document.
 */
export function originalSlice(ctx: SliceContext): Pick<AppState, 'original' | 'originalError'> & Pick<AppActions, 'loadOriginal'> {
  let seq = 0;
  return {
    original: undefined,
    originalError: undefined,

    async loadOriginal(id) {
      if (ctx.get().original?.id === id || !ctx.engine.has('viewOriginal')) return;
      const mine = ++seq;
      ctx.set({ original: undefined, originalError: undefined });
      try {
        const view = await ctx.engine.call('viewOriginal', { id });
        if (mine === seq) ctx.set({ original: { id, view } });
      } catch (error) {
        if (mine === seq) ctx.set({ originalError: { id, message: errorMessage(error) } });
      }
    },
  };
}
