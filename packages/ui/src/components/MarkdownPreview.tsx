import { useDeferredValue, useEffect, useMemo, useRef, type MouseEvent } from 'react';
import { renderMarkdown } from '../lib/markdown.js';

interface MarkdownPreviewProps {
  readonly source: string;
  readonly label: string;
  /** Keys of `[[links]]` no entry has the title of (shown as missing). */
  readonly missing?: ReadonlySet<string>;
  /** Follows a `[[link]]` by its title. */
  readonly onFollow?: (title: string) => void;
  /** The tooltip of a missing link. */
  readonly missingHint?: string;
  /** Words to mark and scroll to (a citation opened from Ask), found in the rendered text when they lie within one run of it. */
  readonly cited?: string | undefined;
}

/** The rendered note. Raw HTML in the source is shown as text, never run. `[[links]]` follow through `onFollow`. */
export function MarkdownPreview({ source, label, missing, onFollow, missingHint, cited }: MarkdownPreviewProps) {
  const deferred = useDeferredValue(source);
  const html = useMemo(() => {
    const rendered = renderMarkdown(deferred, missing ? { missing } : {});
    return missingHint ? rendered.replaceAll('data-missing="true"', `data-missing="true" title="${missingHint.replace(/[&"<>]/gu, (c) => `&#${c.charCodeAt(0)};`)}"`) : rendered;
  }, [deferred, missing, missingHint]);
  const article = useRef<HTMLElement>(null);
  useEffect(() => {
    if (article.current && cited) markText(article.current, cited)?.scrollIntoView({ block: 'center' });
  }, [html, cited]);
  const follow = (event: MouseEvent<HTMLElement>) => {
    const link = (event.target as HTMLElement).closest('a.wiki-link');
    if (!link) return;
    event.preventDefault();
    const title = link.getAttribute('data-link-title');
    if (title && onFollow) onFollow(title);
  };
  return <article ref={article} className="markdown-preview" aria-label={label} data-testid="markdown-preview" onClick={follow} dangerouslySetInnerHTML={{ __html: html }} />;
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
