import type MarkdownIt from 'markdown-it';

/**
 * `[[Title]]` and `[[Title|label]]` in the preview. The engine resolves links (by entry id, see core's links.ts); the
 * preview only shows them: each as a link carrying its title (`data-link-title`), marked missing when the engine says
 * no entry has it. The title rules mirror core's parser (the UI may not import core at run time).
 */

/** How titles compare: NFC, whitespace collapsed, trimmed, lower case (core's `linkKey`). */
export function linkKey(title: string): string {
  return title.normalize('NFC').replace(/\s+/gu, ' ').trim().toLowerCase();
}

export interface WikiLinkEnv {
  /** Keys of links the engine found no entry for. */
  readonly missing?: ReadonlySet<string> | undefined;
}

const linkAt = /^\[\[([^[\]|\n]+?)(?:\|([^[\]\n]*))?\]\]/u;

export const wikiLinks = (md: InstanceType<typeof MarkdownIt>): void => {
  md.inline.ruler.before('link', 'wiki_link', (state, silent) => {
    if (state.src.charCodeAt(state.pos) !== 0x5b || state.src.charCodeAt(state.pos + 1) !== 0x5b) return false;
    const match = linkAt.exec(state.src.slice(state.pos));
    if (!match || match[1]!.trim() === '') return false;
    if (!silent) {
      const token = state.push('wiki_link', 'a', 0);
      token.meta = { title: match[1]!.trim(), label: match[2]?.trim() || null };
    }
    state.pos += match[0].length;
    return true;
  });
  md.renderer.rules.wiki_link = (tokens, idx, _options, env) => {
    const { title, label } = tokens[idx]!.meta as { title: string; label: string | null };
    const missing = (env as WikiLinkEnv | undefined)?.missing?.has(linkKey(title)) === true;
    const escape = md.utils.escapeHtml;
    return `<a href="#" class="wiki-link${missing ? ' missing' : ''}" data-link-title="${escape(title)}"${missing ? ' data-missing="true"' : ''}>${escape(label ?? title)}</a>`;
  };
};
