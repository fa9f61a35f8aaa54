import MarkdownIt from 'markdown-it';
import { wikiLinks, type WikiLinkEnv } from './wikiLinks.js';

/**
 * Markdown to HTML for the preview. Raw HTML in a note is shown as text (`html: false`), and
 * markdown-it refuses `javascript:`-style links, so the output is safe to insert.
 */
const md = new MarkdownIt({ html: false, linkify: true, typographer: false, breaks: true });
md.use(wikiLinks);

const defaultLink = md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  const token = tokens[idx]!;
  token.attrSet('target', '_blank');
  token.attrSet('rel', 'noopener noreferrer');
  return defaultLink(tokens, idx, options, env, self);
};

// An image from elsewhere is not fetched (it could tell its server who reads the note, and the app's CSP would
// refuse it anyway): it becomes a link to it, named by its alt text. Images written as data: URLs are shown.
md.renderer.rules.image = (tokens, idx, options, env, self) => {
  const token = tokens[idx]!;
  const src = String(token.attrGet('src') ?? '');
  if (/^data:image\/(png|jpeg|gif|webp|bmp|avif);/i.test(src)) {
    token.attrSet('alt', self.renderInlineAsText(token.children ?? [], options, env));
    return self.renderToken(tokens, idx, options);
  }
  const alt = md.utils.escapeHtml(self.renderInlineAsText(token.children ?? [], options, env) || src);
  return `<a class="remote-image" href="${md.utils.escapeHtml(src)}" target="_blank" rel="noopener noreferrer">[${alt}]</a>`;
};

/** `env.missing`: the keys of `[[links]]` to show as missing (wikiLinks.ts). */
export function renderMarkdown(source: string, env: WikiLinkEnv = {}): string {
  return md.render(source, { missing: env.missing });
}
