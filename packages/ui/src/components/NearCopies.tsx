import type { EntryView } from '@cairn/core';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { linkLine } from '../store/nearCopiesSlice.js';
import { useActions, useApp } from './StoreContext.js';

/**
 * "Near copies": entries whose text is nearly the open one's (a scan and its PDF, two versions of a contract), with
 * how similar, and what to do — keep both (not offered again), move the copy to the trash, or link this entry to it.
 * Shown only when there are some.
 */
export function NearCopies({ entry }: { readonly entry: EntryView }) {
  const { t } = useTranslation();
  const nearCopies = useApp((s) => s.nearCopies);
  const body = useApp((s) => (s.entry?.kind === 'note' ? (s.draft?.body ?? '') : (s.entry?.body ?? '')));
  const { loadNearCopies, keepBothCopies, trashCopy, linkCopy, openEntry } = useActions();

  useEffect(() => {
    void loadNearCopies(entry.id);
  }, [entry.id, entry.version, loadNearCopies]);

  if (entry.deleted || nearCopies?.entryId !== entry.id || nearCopies.copies.length === 0) return null;
  return (
    <section className="near-copies" aria-labelledby="near-copies-title" data-testid="near-copies">
      <h3 id="near-copies-title">{t('nearCopies.title')}</h3>
      <ul>
        {nearCopies.copies.map((copy) => {
          const title = copy.title || t('editor.untitled');
          const linked = body.includes(linkLine(copy.title));
          return (
            <li key={copy.entryId} className="near-copy">
              <button type="button" className="link-button" onClick={() => void openEntry(copy.entryId)}>
                {title}
              </button>
              <span className="muted small" data-testid="similarity">
                {t('nearCopies.similarity', { percent: Math.round(copy.similarity * 100) })}
              </span>
              <span className="spacer" />
              <button type="button" aria-label={t('nearCopies.keepBothOf', { title })} onClick={() => void keepBothCopies(copy)}>
                {t('nearCopies.keepBoth')}
              </button>
              <button type="button" aria-label={t('nearCopies.linkTo', { title })} disabled={linked} onClick={() => void linkCopy(copy)}>
                {linked ? t('nearCopies.linked') : t('nearCopies.link')}
              </button>
              <button type="button" className="danger" aria-label={t('nearCopies.trashOf', { title })} onClick={() => void trashCopy(copy)}>
                {t('nearCopies.trash')}
              </button>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
