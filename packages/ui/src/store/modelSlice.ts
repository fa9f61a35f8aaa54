import { errorMessage } from '../engine/engineError.js';
import type { SliceContext } from './sliceContext.js';
import type { AppActions, AppState } from './state.js';

type ModelKeys = 'model' | 'modelBusy' | 'modelError';
type ModelActionKeys = 'loadModelStatus' | 'downloadModel' | 'useModel';

/**
 * The embedding model, for settings: its status, the download (progress comes as the engine's
 * `model-download` notices, kept in `progress`), and choosing a model folder.
 */
export function modelSlice(ctx: SliceContext): Pick<AppState, ModelKeys> & Pick<AppActions, ModelActionKeys> {
  const run = async (work: () => Promise<AppState['model']>) => {
    ctx.set({ modelBusy: true, modelError: undefined });
    try {
      ctx.set({ model: await work() });
    } catch (error) {
      ctx.set({ modelError: errorMessage(error) });
      // The status says what is there now (a partial download, the old model).
      await ctx.get().loadModelStatus();
    } finally {
      ctx.set({ modelBusy: false });
    }
  };
  return {
    model: undefined,
    modelBusy: false,
    modelError: undefined,

    async loadModelStatus() {
      if (!ctx.engine.has('modelStatus')) return;
      try {
        ctx.set({ model: await ctx.engine.call('modelStatus', {}) });
      } catch (error) {
        ctx.set({ modelError: errorMessage(error) });
      }
    },
    downloadModel: () => run(() => ctx.engine.call('downloadModel', {})),
    useModel: (dir) => run(() => ctx.engine.call('useModel', { dir })),
  };
}
