import { getDocument, GlobalWorkerOptions, RenderingCancelledException, TextLayer, VerbosityLevel, type PDFDocumentLoadingTask, type PDFDocumentProxy, type PDFPageProxy } from 'pdfjs-dist';
import type { TextContent } from 'pdfjs-dist/types/src/display/api.js';
// The worker is one of the bundle's own assets (a same-origin module worker): no CDN, nothing from outside.
import workerUrl from 'pdfjs-dist/build/pdf.worker.min.mjs?url';
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { termRanges, termsFound } from '../lib/searchTerms.js';

GlobalWorkerOptions.workerSrc = workerUrl;

/** The widest a page is drawn, as a multiple of its size at 72 dpi (a narrow PDF is not blown up to fill a wide pane). */
const MAX_SCALE = 1.5;

type Loaded = { readonly state: 'loading' } | { readonly state: 'failed'; readonly reason: string | undefined } | { readonly state: 'ready'; readonly pdf: PDFDocumentProxy };

/**
 * A PDF original, one page at a time (only the page on screen is drawn, so a 500-page file costs one page):
 * a canvas with pdf.js's text layer over it, so its text can be selected. Opened from a search hit, it opens on
 * the first page that holds the most of the hit's words and marks them in the text layer. A file pdf.js cannot
 * open gets a message in its place (naming the extracted text below when there is some); the download stays.
 */
export function PdfViewer({ url, name, terms, textBelow }: { readonly url: string; readonly name: string; readonly terms: readonly string[]; readonly textBelow: boolean }) {
  const { t } = useTranslation();
  const [loaded, setLoaded] = useState<Loaded>({ state: 'loading' });
  const [page, setPage] = useState(1);

  const termsKey = terms.join('\u0000');
  useEffect(() => {
    let stale = false;
    setLoaded({ state: 'loading' });
    // No eval (the app's CSP allows none), no WebAssembly (nor that), errors only in the console. Over http pdf.js
    // reads the file in ranges as it needs them; any other scheme (the desktop's originals) is fetched whole first.
    const options = { isEvalSupported: false, useWasm: false, verbosity: VerbosityLevel.ERRORS } as const;
    let task: PDFDocumentLoadingTask | undefined;
    const open = async () => {
      const source = /^https?:$/.test(new URL(url, window.location.href).protocol) ? { url } : { data: await fetchBytes(url) };
      if (stale) return;
      task = getDocument({ ...source, ...options });
      const pdf = await task.promise;
      if (pdf.numPages === 0) return setLoaded({ state: 'failed', reason: undefined });
      const first = await pageWithTerms(pdf, termsKey === '' ? [] : termsKey.split('\u0000'), () => stale);
      if (stale) return;
      setPage(first);
      setLoaded({ state: 'ready', pdf });
    };
    open().catch((error: unknown) => {
      if (!stale) setLoaded({ state: 'failed', reason: error instanceof Error ? error.message : String(error) });
    });
    return () => {
      stale = true;
      void task?.destroy();
    };
  }, [url, termsKey]);

  if (loaded.state === 'loading') {
    return (
      <section className="pdf-viewer" aria-label={t('document.pdfLabel', { name })} aria-busy="true">
        <p className="muted">{t('document.pdfLoading')}</p>
      </section>
    );
  }
  if (loaded.state === 'failed') {
    return (
      <section className="pdf-viewer" aria-label={t('document.pdfLabel', { name })}>
        <p className="pdf-failed" role="status" data-testid="pdf-failed">
          {t(textBelow ? 'document.pdfFailed' : 'document.pdfFailedNoText', { reason: loaded.reason ?? t('document.pdfNoPages') })}
        </p>
      </section>
    );
  }
  const count = loaded.pdf.numPages;
  const go = (to: number) => setPage(Math.min(count, Math.max(1, to)));
  const onKeyDown = (event: KeyboardEvent) => {
    const step = { ArrowLeft: -1, PageUp: -1, ArrowRight: 1, PageDown: 1 }[event.key];
    if (step === undefined) return;
    event.preventDefault();
    go(page + step);
  };
  return (
    <section className="pdf-viewer" aria-label={t('document.pdfLabel', { name })}>
      <div className="pdf-nav">
        <button type="button" onClick={() => go(page - 1)} disabled={page <= 1}>
          {t('document.pdfPrevious')}
        </button>
        <span aria-live="polite" data-testid="pdf-page">
          {t('document.pdfPage', { page, count })}
        </span>
        <button type="button" onClick={() => go(page + 1)} disabled={page >= count}>
          {t('document.pdfNext')}
        </button>
      </div>
      <PdfPage pdf={loaded.pdf} number={page} terms={terms} onKeyDown={onKeyDown} label={t('document.pdfPage', { page, count })} />
    </section>
  );
}

/** One page: drawn on a canvas, its text laid over it by pdf.js, the terms marked. */
function PdfPage({ pdf, number, terms, onKeyDown, label }: { readonly pdf: PDFDocumentProxy; readonly number: number; readonly terms: readonly string[]; readonly onKeyDown: (event: KeyboardEvent) => void; readonly label: string }) {
  const { t } = useTranslation();
  const scroll = useRef<HTMLDivElement>(null);
  const frame = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const textLayer = useRef<HTMLDivElement>(null);
  const [failed, setFailed] = useState<string | undefined>();
  // The page is drawn to fit the pane's width, and again when the pane's width changes (a window resized, the
  // history panel opened).
  const [width, setWidth] = useState<number | undefined>();
  useEffect(() => {
    const scrollEl = scroll.current;
    if (!scrollEl) return;
    const observer = new ResizeObserver(([box]) => {
      const next = Math.floor(box!.contentRect.width);
      setWidth((last) => (last === next ? last : next));
    });
    observer.observe(scrollEl);
    return () => observer.disconnect();
  }, []);

  useEffect(() => {
    const frameEl = frame.current;
    const canvasEl = canvas.current;
    const layerEl = textLayer.current;
    if (!frameEl || !canvasEl || !layerEl || !width) return;
    let stale = false;
    let cancel = () => {};
    setFailed(undefined);
    const draw = async () => {
      const page: PDFPageProxy = await pdf.getPage(number);
      if (stale) return;
      const natural = page.getViewport({ scale: 1 });
      const viewport = page.getViewport({ scale: Math.min(MAX_SCALE, width / natural.width) });
      const ratio = window.devicePixelRatio || 1;
      canvasEl.width = Math.floor(viewport.width * ratio);
      canvasEl.height = Math.floor(viewport.height * ratio);
      frameEl.style.width = `${Math.floor(viewport.width)}px`;
      frameEl.style.height = `${Math.floor(viewport.height)}px`;
      frameEl.style.setProperty('--scale-factor', String(viewport.scale));
      frameEl.style.setProperty('--total-scale-factor', String(viewport.scale));
      const render = page.render({ canvas: canvasEl, viewport, ...(ratio !== 1 && { transform: [ratio, 0, 0, ratio, 0, 0] }) });
      layerEl.replaceChildren();
      const text = new TextLayer({ textContentSource: page.streamTextContent(), container: layerEl, viewport });
      cancel = () => {
        render.cancel();
        text.cancel();
      };
      await Promise.all([render.promise, text.render()]);
      if (!stale) markTerms(text.textDivs, terms);
    };
    draw().catch((error: unknown) => {
      if (stale || error instanceof RenderingCancelledException || (error instanceof Error && error.name === 'AbortException')) return;
      setFailed(error instanceof Error ? error.message : String(error));
    });
    return () => {
      stale = true;
      cancel();
    };
  }, [pdf, number, terms, width]);

  return (
    <div ref={scroll} className="pdf-page-scroll">
      <div ref={frame} className="pdf-page" tabIndex={0} role="group" aria-label={label} onKeyDown={onKeyDown} data-page={number}>
        <canvas ref={canvas} aria-hidden="true" />
        <div ref={textLayer} className="textLayer" data-testid="pdf-text-layer" />
      </div>
      {failed === undefined ? null : (
        <p className="pdf-failed" role="status">
          {t('document.pdfPageFailed', { reason: failed })}
        </p>
      )}
    </div>
  );
}

/**
 * The first page holding the most of the terms (all of them ends the search), read from the text pdf.js finds;
 * page 1 when there are no terms or no page holds any (a scan without a text layer, a match on meaning).
 */
/** The whole file at a URL pdf.js cannot read in ranges; a refusal's own words become the message. */
async function fetchBytes(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new Error((await response.text()) || `HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

async function pageWithTerms(pdf: PDFDocumentProxy, terms: readonly string[], stale: () => boolean): Promise<number> {
  if (terms.length === 0) return 1;
  let best = 1;
  let bestFound = 0;
  for (let number = 1; number <= pdf.numPages && !stale(); number++) {
    const page = await pdf.getPage(number);
    const found = termsFound(pageText(await page.getTextContent()), terms);
    page.cleanup();
    if (found > bestFound) {
      best = number;
      bestFound = found;
      if (found === terms.length) break;
    }
  }
  return best;
}

function pageText(content: TextContent): string {
  return content.items.map((item) => ('str' in item ? item.str + (item.hasEOL ? '\n' : ' ') : '')).join('');
}

/** Wraps each occurrence of the terms in a text-layer span in a `<mark>` (a match across two spans is not marked). */
function markTerms(spans: readonly HTMLElement[], terms: readonly string[]): void {
  for (const span of spans) {
    const text = span.textContent ?? '';
    const ranges = termRanges(text, terms);
    if (ranges.length === 0) continue;
    const parts: Node[] = [];
    let at = 0;
    for (const [start, end] of ranges) {
      if (start > at) parts.push(document.createTextNode(text.slice(at, start)));
      const mark = document.createElement('mark');
      mark.className = 'pdf-hit';
      mark.dataset.testid = 'pdf-hit';
      mark.textContent = text.slice(start, end);
      parts.push(mark);
      at = end;
    }
    if (at < text.length) parts.push(document.createTextNode(text.slice(at)));
    span.replaceChildren(...parts);
  }
}
