import type { EntryView } from '@cairn/core';
import { useTranslation } from 'react-i18next';
import { LazyMarkdownPreview } from './lazyParts.js';

/**
 * An imported document. Today it shows what the entry holds (body and attributes); the extracted
 * text, pages, OCR and "open the original" arrive with the engine's `getDocument` (issue 4).
 */
export function DocumentView({ entry }: { readonly entry: EntryView }) {
  const { t } = useTranslation();
  const attributes = Object.entries(entry.attributes);
  return (
    <div className="document-view">
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
