import { errorMessage } from '../engine/engineError.js';
import { linkKey } from '../lib/wikiLinks.js';
import type { SliceContext } from './sliceContext.js';
import type { AppActions, AppState } from './state.js';

/** How long the titles offered after `[[` are reused before they are asked for again. */
const TITLES_MS = 5_000;
/** How many titles completion offers at most. */
const OFFERED = 50;

type LinksKeys = 'links' | 'linksError';
type LinksActions = 'loadLinks' | 'linkMention' | 'followLink' | 'linkTitles';

/**
 * The open entry's links, backlinks and unlinked mentions (the engine's `links`), its "Link" action (`linkMention`, an
 * ordinary edit of the mentioning note), following a `[[link]]` from the preview (an existing entry opens; a missing
 * one is created with that title and opened), and the titles completion offers after `[[`.
 */
export function linksSlice(ctx: SliceContext): Pick<AppState, LinksKeys> & Pick<AppActions, LinksActions> {
  let seq = 0;
  let titles: { at: number; list: string[] } | undefined;

  const load = async (id: string) => {
    const mine = ++seq;
    try {
      const view = await ctx.engine.call('links', { id });
      if (mine === seq && ctx.get().selectedId === id) ctx.set({ links: view, linksError: undefined });
      return view;
    } catch (error) {
      if (mine === seq) ctx.set({ linksError: errorMessage(error) });
      return undefined;
    }
  };

  return {
    links: undefined,
    linksError: undefined,

    async loadLinks() {
      const id = ctx.get().selectedId;
      if (id === undefined || !ctx.engine.has('links')) return;
      if (ctx.get().links?.entryId !== id) ctx.set({ links: undefined, linksError: undefined });
      await load(id);
    },

    async linkMention(from) {
      const id = ctx.get().selectedId;
      if (id === undefined) return;
      try {
        await ctx.engine.call('linkMention', { id, from });
        await load(id);
      } catch (error) {
        ctx.get().toast({ kind: 'error', key: 'links.linkFailed', detail: errorMessage(error) });
      }
    },

    async followLink(title) {
      const { entry, dirty } = ctx.get();
      if (!entry) return;
      // The link may be newly typed: saved first, the engine says where it leads.
      if (dirty) await ctx.get().saveDraft();
      const view = await load(entry.id);
      const key = linkKey(title);
      const link = view?.links.find((l) => linkKey(l.title) === key);
      if (link?.targetId) await ctx.get().openEntry(link.targetId);
      else if (view) await ctx.get().createNote(title.trim());
    },

    async linkTitles(typed) {
      const now = Date.now();
      if (!titles || now - titles.at > TITLES_MS) {
        const page = await ctx.engine.call('listEntries', { sort: 'updated', order: 'desc', limit: 10_000 });
        titles = { at: now, list: page.entries.map((item) => item.title) };
      }
      const want = linkKey(typed);
      const own = ctx.get().entry?.title;
      const seen = new Set<string>();
      const starts: string[] = [];
      const contains: string[] = [];
      for (const title of titles.list) {
        const key = linkKey(title);
        if (seen.has(key) || title === own) continue;
        seen.add(key);
        if (key.startsWith(want)) starts.push(title);
        else if (key.includes(want)) contains.push(title);
        if (starts.length >= OFFERED) break;
      }
      return [...starts, ...contains].slice(0, OFFERED);
    },
  };
}
