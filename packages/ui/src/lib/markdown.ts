import MarkdownIt from 'markdown-it';

/**
 * Markdown to HTML for the preview. Raw HTML in a note is shown as text (`html: false`), and
 * markdown-it refuses `javascript:`-style links, so the output is safe to insert.
 */
const md = new MarkdownIt({ html: false, linkify: true, typographer: false, breaks: true });

const defaultLink = md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  const token = tokens[idx]!;
  token.attrSet('target', '_blank');
  token.attrSet('rel', 'noopener noreferrer');
  return defaultLink(tokens, idx, options, env, self);
};

export function renderMarkdown(source: string): string {
  return md.render(source);
}
