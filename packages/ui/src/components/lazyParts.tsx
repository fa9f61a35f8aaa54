import { lazy, Suspense, type ComponentProps } from 'react';

// Parts that load on first use, so the first screen does not wait for them: the Markdown renderer
// (markdown-it) and the history panel (with the diff library).
const MarkdownPreviewPart = lazy(() => import('./MarkdownPreview.js').then((m) => ({ default: m.MarkdownPreview })));
const HistoryPanelPart = lazy(() => import('./HistoryPanel.js').then((m) => ({ default: m.HistoryPanel })));

export function LazyMarkdownPreview(props: ComponentProps<typeof MarkdownPreviewPart>) {
  return (
    <Suspense fallback={<div className="markdown-preview" aria-busy="true" />}>
      <MarkdownPreviewPart {...props} />
    </Suspense>
  );
}

export function LazyHistoryPanel() {
  return (
    <Suspense fallback={<aside className="history-panel" aria-busy="true" />}>
      <HistoryPanelPart />
    </Suspense>
  );
}
