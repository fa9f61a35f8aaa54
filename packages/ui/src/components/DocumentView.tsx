import type { DocumentView as DocumentFacts, EntryView } from '@cairn/core';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatBytes } from '../lib/format.js';
import { ErrorLine } from './ErrorLine.js';
import { LazyMarkdownPreview, LazyPdfViewer } from './lazyParts.js';
import { OriginalText, textOriginalTypes } from './OriginalText.js';
import { useActions, useApp, useHost } from './StoreContext.js';

/** Extracted text shown before "Show all" (a long book would take a while to lay out). */
export const TEXT_PREVIEW_CHARS = 100_000;

/**
 * Originals shown in the page as an image: the raster types every browser draws (the web server serves these
 * inline on request, under a CSP that runs and loads nothing). TIFF and HEIC are not among them: their text is.
 */
const imageTypes = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/bmp', 'image/avif']);

/** A PDF opened from the library, not from a search hit: nothing to find or mark. */
const noTerms: readonly string[] = [];

/**
 * A document entry. An imported file shows its processing (status, and the engine's reason when it
 * failed, with a retry), what was found (pages, OCR, language, type), the extracted text, and a way to
 * the original file. An entry that is a document without an imported file shows what it holds.
 */
export function DocumentView({ entry }: { readonly entry: EntryView }) {
  const { t } = useTranslation();
  const doc = useApp((s) => (s.document?.id === entry.id ? s.document : undefined));
  const error = useApp((s) => s.documentError);
  const { loadDocument } = useActions();
  useEffect(() => {
    void loadDocument(entry.id);
  }, [loadDocument, entry.id, entry.version]);

  if (doc) return <ImportedDocument doc={doc} />;
  const attributes = Object.entries(entry.attributes);
  return (
    <div className="document-view">
      <ErrorLine error={error} />
      {attributes.length > 0 ? (
        <dl className="attributes" aria-label={t('document.attributes')}>
          {attributes.map(([key, value]) => (
            <div key={key}>
              <dt>{key}</dt>
              <dd>{typeof value === 'string' ? value : JSON.stringify(value)}</dd>
            </div>
          ))}
        </dl>
      ) : null}
      {entry.body ? <LazyMarkdownPreview source={entry.body} label={t('document.text')} /> : <p className="muted">{t('document.noText')}</p>}
    </div>
  );
}

function ImportedDocument({ doc }: { readonly doc: DocumentFacts }) {
  const { t } = useTranslation();
  const text = useApp((s) => s.documentText);
  const summary = useApp((s) => (s.documentSummary?.entryId === doc.id ? s.documentSummary : undefined));
  const { retryDocument, fetchOriginal } = useActions();
  const bridge = useHost();
  const searchTerms = useApp((s) => s.openedFromSearch);
  const [showAll, setShowAll] = useState(false);
  const failed = doc.status === 'failed' || doc.status === 'unsupported';
  const working = !failed && doc.status !== 'done';
  const yes = (value: boolean | null) => (value === null ? '—' : value ? t('document.yes') : t('document.no'));
  return (
    <div className="document-view">
      {doc.originalHere ? null : (
        <div className="banner" role="status" data-testid="original-away">
          <span>{t('document.originalAway')}</span>
          <button type="button" onClick={() => void fetchOriginal(doc.id)}>
            {t('document.download')}
          </button>
        </div>
      )}
      <div className={`document-status status-${doc.status}`} role={failed ? 'alert' : 'status'} data-testid="document-status" data-status={doc.status}>
        <strong>{t(`document.statuses.${doc.status}`)}</strong>
        {working ? <progress aria-label={t('document.processing')} /> : null}
        {failed && doc.error ? <span> — {doc.error.reason}</span> : null}
        {doc.note && working ? <span className="muted small"> ({doc.note})</span> : null}
        {failed && doc.jobId !== null ? (
          <button type="button" onClick={() => void retryDocument(doc.jobId!)}>
            {t('document.retry')}
          </button>
        ) : null}
      </div>
      {summary ? (
        <section className="document-summary" aria-label={t('document.summary')} data-testid="document-summary">
          <h3>{t('document.summary')}</h3>
          <p>{summary.text}</p>
        </section>
      ) : null}
      {doc.originalHere && bridge?.originalUrl && imageTypes.has(doc.mimeType) ? (
        <figure className="document-original">
          <img src={`${bridge.originalUrl(doc.id)}?inline=1`} alt={t('document.originalImage', { name: doc.file.name })} data-testid="original-image" />
        </figure>
      ) : null}
      {doc.originalHere && bridge?.originalUrl && doc.mimeType === 'application/pdf' ? (
        <LazyPdfViewer url={`${bridge.originalUrl(doc.id)}?inline=1`} name={doc.file.name} terms={searchTerms ?? noTerms} textBelow={doc.textSha256 !== null} />
      ) : null}
      {doc.originalHere && textOriginalTypes.has(doc.mimeType) ? <OriginalText doc={doc} /> : null}
      <dl className="facts document-facts" aria-label={t('document.details')}>
        <dt>{t('document.file')}</dt>
        <dd>
          {doc.file.name} <span className="muted">({formatBytes(doc.file.size)})</span>
        </dd>
        <dt>{t('document.type')}</dt>
        <dd>
          <code>{doc.mimeType}</code>
        </dd>
        <dt>{t('document.pages')}</dt>
        <dd>{doc.pageCount ?? '—'}</dd>
        <dt>{t('document.ocr')}</dt>
        <dd>{yes(doc.ocrUsed)}</dd>
        <dt>{t('document.language')}</dt>
        <dd>{doc.language ?? '—'}</dd>
        <dt>{t('document.chars')}</dt>
        <dd>{doc.chars === null ? '—' : doc.chars.toLocaleString()}</dd>
      </dl>
      {doc.warnings.length > 0 ? (
        <ul className="muted small document-warnings" aria-label={t('document.warnings')}>
          {doc.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      ) : null}
      <div className="document-actions">
        {/* The desktop opens the original in the system's app; the browser downloads it. */}
        {bridge?.openOriginal ? (
          <button type="button" onClick={() => bridge.openOriginal!(doc.id)}>
            {t('document.openOriginal')}
          </button>
        ) : bridge?.originalUrl ? (
          <a className="button" href={bridge.originalUrl(doc.id)} download={doc.file.name}>
            {t('document.openOriginal')}
          </a>
        ) : null}
      </div>
      <h3 className="document-text-heading">{t('document.text')}</h3>
      {text !== undefined ? (
        <>
          <pre className="document-text" tabIndex={0} aria-label={t('document.text')} data-testid="document-text">
            {showAll ? text : text.slice(0, TEXT_PREVIEW_CHARS)}
          </pre>
          {!showAll && text.length > TEXT_PREVIEW_CHARS ? (
            <button type="button" onClick={() => setShowAll(true)}>
              {t('document.showAll', { count: text.length })}
            </button>
          ) : null}
        </>
      ) : (
        <p className="muted">{doc.textSha256 ? t('settings.loading') : working ? t('document.textLater') : t('document.noText')}</p>
      )}
    </div>
  );
}
