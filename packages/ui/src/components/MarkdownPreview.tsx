import { useDeferredValue, useMemo, type MouseEvent } from 'react';
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
}

/** The rendered note. Raw HTML in the source is shown as text, never run. `[[links]]` follow through `onFollow`. */
export function MarkdownPreview({ source, label, missing, onFollow, missingHint }: MarkdownPreviewProps) {
  const deferred = useDeferredValue(source);
  const html = useMemo(() => {
    const rendered = renderMarkdown(deferred, missing ? { missing } : {});
    return missingHint ? rendered.replaceAll('data-missing="true"', `data-missing="true" title="${missingHint.replace(/[&"<>]/gu, (c) => `&#${c.charCodeAt(0)};`)}"`) : rendered;
  }, [deferred, missing, missingHint]);
  const follow = (event: MouseEvent<HTMLElement>) => {
    const link = (event.target as HTMLElement).closest('a.wiki-link');
    if (!link) return;
    event.preventDefault();
    const title = link.getAttribute('data-link-title');
    if (title && onFollow) onFollow(title);
  };
  return <article className="markdown-preview" aria-label={label} data-testid="markdown-preview" onClick={follow} dangerouslySetInnerHTML={{ __html: html }} />;
}
