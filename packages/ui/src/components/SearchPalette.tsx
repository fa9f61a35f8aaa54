import type { SearchMode } from '@cairn/core';
import { useEffect, useRef, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { searchTerms } from '../lib/searchTerms.js';
import { snippetHtml } from '../lib/snippet.js';
import { Dialog } from './Dialog.js';
import { SaveSearchForm } from './SavedSearches.js';
import { ErrorLine } from './ErrorLine.js';
import { useActions, useApp } from './StoreContext.js';

/** The modes offered, best first (core's `searchModes`, which the UI may not import at run time). */
export const paletteModes = ['hybrid', 'lexical', 'semantic'] as const satisfies readonly SearchMode[];

/**
 * The search palette (Ctrl/Cmd+K): results as you type, highlighted snippets, a mode toggle. It opens
 * only when the engine offers `search`; otherwise the palette says search is not in this engine.
 */
export function SearchPalette() {
  const { t } = useTranslation();
  const open = useApp((s) => s.searchOpen);
  const available = useApp((s) => s.methods.includes('search'));
  const query = useApp((s) => s.searchQuery);
  const mode = useApp((s) => s.searchMode);
  const results = useApp((s) => s.searchResults);
  const loading = useApp((s) => s.searchLoading);
  const error = useApp((s) => s.searchError);
  const tookMs = useApp((s) => s.searchTookMs);
  const selected = useApp((s) => s.searchSelected);
  const notices = useApp((s) => s.searchNotices);
  const ranMode = useApp((s) => s.searchRanMode);
  const resultsFor = useApp((s) => s.searchResultsFor);
  const { openSearch, setSearchQuery, setSearchMode, moveSearchSelection, openEntry } = useActions();
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (open) input.current?.select();
  }, [open]);

  const choose = (index: number) => {
    const hit = results[index];
    if (!hit) return;
    openSearch(false);
    // The words it matched go with it: a document viewer opens on the page that holds them.
    void openEntry(hit.entryId, { searchTerms: searchTerms(query, hit.snippet) });
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      moveSearchSelection(event.key === 'ArrowDown' ? 1 : -1);
    } else if (event.key === 'Enter') {
      event.preventDefault();
      choose(selected);
    }
  };

  return (
    <Dialog open={open} label={t('search.label')} onClose={() => openSearch(false)} className="palette">
      {available ? (
        <>
          <div className="palette-input">
            <input
              ref={input}
              type="search"
              role="combobox"
              aria-expanded={results.length > 0}
              aria-controls="search-results"
              aria-activedescendant={results[selected] ? `hit-${selected}` : undefined}
              aria-label={t('search.query')}
              placeholder={t('search.placeholder')}
              value={query}
              onChange={(e) => setSearchQuery(e.target.value)}
              onKeyDown={onKeyDown}
            />
            <div className="segmented" role="radiogroup" aria-label={t('search.mode')}>
              {paletteModes.map((m) => (
                <button key={m} type="button" role="radio" aria-checked={mode === m} onClick={() => setSearchMode(m)}>
                  {t(`search.modes.${m}`)}
                </button>
              ))}
            </div>
          </div>
          <ErrorLine error={error} />
          <ul id="search-results" className="search-results" role="listbox" aria-label={t('search.results')} aria-busy={loading} data-query={resultsFor}>
            {results.map((hit, i) => (
              <li key={hit.entryId} id={`hit-${i}`} role="option" aria-selected={i === selected} className={i === selected ? 'active' : ''} onClick={() => choose(i)}>
                <div className="hit-title">
                  {hit.title || t('editor.untitled')} <span className="kind-badge">{t(`kind.${hit.kind}`)}</span>
                </div>
                {/* The engine's snippet is escaped text with <mark>; snippetHtml lets nothing else through. */}
                <div className="hit-snippet" dangerouslySetInnerHTML={{ __html: snippetHtml(hit.snippet) }} />
              </li>
            ))}
          </ul>
          <p className="muted small" aria-live="polite" data-testid="search-summary">
            {query.trim() === '' ? t('search.hint') : !loading ? t('search.count', { count: results.length, ms: Math.round(tookMs ?? 0) }) : ''}
            {ranMode !== undefined && ranMode !== mode ? ` · ${t('search.ranAs', { mode: t(`search.modes.${ranMode}`) })}` : ''}
          </p>
          <SaveSearchForm />
          {notices.map((notice) => (
            <p key={notice} className="muted small search-notice">
              {notice}
            </p>
          ))}
        </>
      ) : (
        <p className="muted" role="status">
          {t('search.unavailable')}
        </p>
      )}
    </Dialog>
  );
}
