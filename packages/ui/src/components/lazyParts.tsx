import { lazy, Suspense, type ComponentProps } from 'react';

// Parts that load on first use, so the first screen does not wait for them: the Markdown renderer
// (markdown-it), the history panel (with the diff library) and the PDF viewer (pdf.js, with its worker).
const MarkdownPreviewPart = lazy(() => import('./MarkdownPreview.js').then((m) => ({ default: m.MarkdownPreview })));
const HistoryPanelPart = lazy(() => import('./HistoryPanel.js').then((m) => ({ default: m.HistoryPanel })));
const PdfViewerPart = lazy(() => import('./PdfViewer.js').then((m) => ({ default: m.PdfViewer })));

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

export function LazyPdfViewer(props: ComponentProps<typeof PdfViewerPart>) {
  return (
    <Suspense fallback={<section className="pdf-viewer" aria-busy="true" />}>
      <PdfViewerPart {...props} />
    </Suspense>
  );
}
