import type { DocumentView as DocumentFacts, OriginalView } from '@cairn/core';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { formatBytes } from '../lib/format.js';
import { ErrorLine } from './ErrorLine.js';
import { LazyMarkdownPreview } from './lazyParts.js';
import { useActions, useApp } from './StoreContext.js';

/** Originals the engine's `viewOriginal` shows as text (it answers `unsupported` for any other). */
export const textOriginalTypes: ReadonlySet<string> = new Set(['text/markdown', 'text/html', 'message/rfc822']);

/**
 * The frame's own policy, a second wall behind the engine's sanitizing: nothing runs, nothing is fetched
 * (images only from `data:`), styles only inline. Links open outside the frame.
 */
const framePolicy = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; form-action 'none'";
const frameStyle =
  'body{margin:12px;font:15px/1.5 system-ui,sans-serif;color:#1d1d1f;background:#fff;overflow-wrap:anywhere}img{max-width:100%;height:auto}table{max-width:100%}.omitted-image{color:#767676;font-style:italic}';

/** A document page built around safe HTML from the engine. */
export function frameDocument(html: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${framePolicy}"><base target="_blank"><style>${frameStyle}</style></head><body>${html}</body></html>`;
}

/**
 * A text-like original shown inside the app: Markdown rendered like a note, an HTML page or an e-mail's HTML
 * body in a sandboxed frame (no scripts, no same-origin, the policy above), an e-mail's headers and
 * attachments above it. Mounted only for the types above, with the original on this device.
 */
export function OriginalText({ doc }: { readonly doc: DocumentFacts }) {
  const { t } = useTranslation();
  const view = useApp((s) => (s.original?.id === doc.id ? s.original.view : undefined));
  const error = useApp((s) => (s.originalError?.id === doc.id ? s.originalError.message : undefined));
  const { loadOriginal } = useActions();
  useEffect(() => {
    void loadOriginal(doc.id);
  }, [loadOriginal, doc.id]);

  return (
    <section className="document-original original-text" aria-label={t('original.label', { name: doc.file.name })} data-testid="original-text" aria-busy={view === undefined && error === undefined}>
      <ErrorLine error={error} />
      {view ? <OriginalBody view={view} name={doc.file.name} /> : null}
    </section>
  );
}

function OriginalBody({ view, name }: { readonly view: OriginalView; readonly name: string }) {
  const { t } = useTranslation();
  const notes = (
    <>
      {view.kind !== 'markdown' && view.remoteImages > 0 ? <p className="muted small">{t('original.remoteImages', { count: view.remoteImages })}</p> : null}
      {view.partial ? (
        <p className="muted small" role="note" data-testid="original-partial">
          {t('original.partial')}
        </p>
      ) : null}
    </>
  );
  switch (view.kind) {
    case 'markdown':
      return (
        <>
          {notes}
          <LazyMarkdownPreview source={view.text} label={t('original.label', { name })} />
        </>
      );
    case 'html':
      return (
        <>
          {notes}
          <SafeFrame html={view.html} title={view.title ?? name} />
        </>
      );
    case 'email': {
      const headers = [
        ['from', view.headers.from],
        ['to', view.headers.to],
        ['cc', view.headers.cc],
        ['date', view.headers.date === null ? null : new Date(view.headers.date).toLocaleString()],
        ['subject', view.headers.subject],
      ] as const;
      return (
        <>
          <dl className="facts email-headers" aria-label={t('original.headers')} data-testid="email-headers">
            {headers.map(([key, value]) =>
              value === null ? null : (
                <div key={key}>
                  <dt>{t(`original.${key}`)}</dt>
                  <dd>{value}</dd>
                </div>
              ),
            )}
          </dl>
          {view.attachments.length > 0 ? (
            <ul className="email-attachments small" aria-label={t('original.attachments')}>
              {view.attachments.map((a, i) => (
                <li key={i}>
                  {a.name} <span className="muted">({formatBytes(a.size)})</span>
                </li>
              ))}
            </ul>
          ) : null}
          {notes}
          {view.html !== null ? (
            <SafeFrame html={view.html} title={view.headers.subject ?? name} />
          ) : (
            <pre className="document-text email-text" tabIndex={0} aria-label={t('original.body')}>
              {view.text ?? ''}
            </pre>
          )}
        </>
      );
    }
    default: {
      const unknown: never = view;
      return unknown;
    }
  }
}

/**
 * `sandbox` without `allow-scripts` or `allow-same-origin`: the page cannot run anything or reach the app.
 * `allow-popups` (with escaping the sandbox) only so a click on a link opens it in a new tab / the system
 * browser — every link has `target=_blank` and `rel=noopener noreferrer`, and nothing but a person can open one.
 */
function SafeFrame({ html, title }: { readonly html: string; readonly title: string }) {
  return <iframe className="original-frame" sandbox="allow-popups allow-popups-to-escape-sandbox" srcDoc={frameDocument(html)} title={title} referrerPolicy="no-referrer" data-testid="original-frame" />;
}
