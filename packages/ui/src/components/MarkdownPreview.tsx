import { useDeferredValue, useMemo } from 'react';
import { renderMarkdown } from '../lib/markdown.js';

/** The rendered note. Raw HTML in the source is shown as text, never run. */
export function MarkdownPreview({ source, label }: { readonly source: string; readonly label: string }) {
  const deferred = useDeferredValue(source);
  const html = useMemo(() => renderMarkdown(deferred), [deferred]);
  return <article className="markdown-preview" aria-label={label} data-testid="markdown-preview" dangerouslySetInnerHTML={{ __html: html }} />;
}
