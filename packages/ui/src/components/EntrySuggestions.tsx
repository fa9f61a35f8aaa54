import type { EntryView } from '@cairn/core';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { useActions, useApp } from './StoreContext.js';

/**
 * Beside the open entry: tags the agents suggest (each added with one click, an ordinary edit, or dismissed for good)
 * and related entries ("see also": click opens one). Nothing when there is nothing to suggest.
 */
export function EntrySuggestions({ entry }: { readonly entry: EntryView }) {
  const { t } = useTranslation();
  const suggestions = useApp((s) => (s.suggestions?.entryId === entry.id ? s.suggestions : undefined));
  const { loadSuggestions, acceptTag, dismissTag, dismissRelated, openEntry } = useActions();
  useEffect(() => {
    if (!entry.deleted) void loadSuggestions(entry.id);
  }, [loadSuggestions, entry.id, entry.version, entry.deleted]);

  if (entry.deleted || !suggestions || (suggestions.tags.length === 0 && suggestions.related.length === 0)) return null;
  return (
    <aside className="entry-suggestions" aria-label={t('related.label')}>
      {suggestions.tags.length > 0 ? (
        <section aria-label={t('related.tagsTitle')}>
          <h3>{t('related.tagsTitle')}</h3>
          <ul className="suggested-tags">
            {suggestions.tags.map((s) => (
              <li key={s.tag} className="suggested-tag" data-tag={s.tag}>
                <button
                  type="button"
                  className="tag-accept"
                  title={s.keywords.length > 0 ? t('related.becauseWords', { words: s.keywords.join(', ') }) : t('related.becauseRelated', { count: s.relatedCount })}
                  aria-label={t('related.addTag', { tag: s.tag })}
                  onClick={() => void acceptTag(s.tag)}
                >
                  + #{s.tag}
                </button>
                <button type="button" className="tag-dismiss" aria-label={t('related.dismissTag', { tag: s.tag })} onClick={() => void dismissTag(s.tag)}>
                  ×
                </button>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {suggestions.related.length > 0 ? (
        <section aria-label={t('related.title')}>
          <h3>{t('related.title')}</h3>
          <ul className="related-list">
            {suggestions.related.map((r) => (
              <li key={r.entryId} className="related-item">
                <button type="button" className="related-open" title={r.sharedTerms.length > 0 ? t('related.becauseWords', { words: r.sharedTerms.slice(0, 5).join(', ') }) : t('related.byMeaning')} onClick={() => void openEntry(r.entryId)}>
                  <span className="related-title">{r.title || t('editor.untitled')}</span>
                  {r.sharedTerms.length > 0 ? <span className="muted small">{r.sharedTerms.slice(0, 3).join(' · ')}</span> : null}
                </button>
                <button type="button" className="related-dismiss" aria-label={t('related.dismissRelated', { title: r.title || t('editor.untitled') })} onClick={() => void dismissRelated(r.entryId)}>
                  ×
                </button>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </aside>
  );
}
