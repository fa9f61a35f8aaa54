import { useDeferredValue, useEffect, useMemo, useRef } from 'react';
import { renderMarkdown } from '../lib/markdown.js';

/**
 * The rendered note. Raw HTML in the source is shown as text, never run. `cited`: words to mark and scroll to (a
 * citation opened from Ask), found in the rendered text when they lie within one run of it.
 */
export function MarkdownPreview({ source, label, cited }: { readonly source: string; readonly label: string; readonly cited?: string | undefined }) {
  const deferred = useDeferredValue(source);
  const html = useMemo(() => renderMarkdown(deferred), [deferred]);
  const article = useRef<HTMLElement>(null);
  useEffect(() => {
    if (article.current && cited) markText(article.current, cited)?.scrollIntoView({ block: 'center' });
  }, [html, cited]);
  return <article ref={article} className="markdown-preview" aria-label={label} data-testid="markdown-preview" dangerouslySetInnerHTML={{ __html: html }} />;
}

/** Wraps the first occurrence of `words` inside one text node in `<mark class="cited">`. */
function markText(root: HTMLElement, words: string): HTMLElement | undefined {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode() as Text | null; node; node = walker.nextNode() as Text | null) {
    const at = node.data.indexOf(words);
    if (at < 0) continue;
    const range = document.createRange();
    range.setStart(node, at);
    range.setEnd(node, at + words.length);
    const mark = document.createElement('mark');
    mark.className = 'cited';
    range.surroundContents(mark);
    return mark;
  }
  return undefined;
}
