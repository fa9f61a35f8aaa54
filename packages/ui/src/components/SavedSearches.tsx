import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useActions, useApp } from './StoreContext.js';

/** The sidebar's saved searches: each runs again in the palette, and can be forgotten. */
export function SavedSearchList() {
  const { t } = useTranslation();
  const searches = useApp((s) => s.savedSearches);
  const available = useApp((s) => s.methods.includes('savedSearches'));
  const { runSavedSearch, deleteSavedSearch } = useActions();
  if (!available || searches.length === 0) return null;
  return (
    <>
      <h2 className="sidebar-heading" id="saved-heading">
        {t('sidebar.saved')}
      </h2>
      <ul className="tag-list saved-list" aria-labelledby="saved-heading">
        {searches.map((search) => (
          <li key={search.id} className="saved-item">
            <button type="button" className="nav-item" aria-label={t('sidebar.runSaved', { name: search.name })} onClick={() => runSavedSearch(search.id)}>
              <span>{search.name}</span>
              {search.alerts ? (
                <span className="count" title={t('sidebar.alerting')} aria-hidden="true">
                  ●
                </span>
              ) : null}
            </button>
            <button type="button" className="icon-button" aria-label={t('sidebar.deleteSaved', { name: search.name })} onClick={() => void deleteSavedSearch(search.id)}>
              ×
            </button>
          </li>
        ))}
      </ul>
    </>
  );
}

/** In the palette: saves the query it has (with its mode and tag filter) under a name, with alerts if asked. */
export function SaveSearchForm() {
  const { t } = useTranslation();
  const query = useApp((s) => s.searchQuery);
  const available = useApp((s) => s.methods.includes('saveSearch'));
  const { saveSearch } = useActions();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const [alerts, setAlerts] = useState(true);
  if (!available || query.trim() === '') return null;
  if (!open) {
    return (
      <button
        type="button"
        className="small save-search-open"
        onClick={() => {
          setName(query.trim().slice(0, 80));
          setOpen(true);
        }}
      >
        {t('saved.save')}
      </button>
    );
  }
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (name.trim() === '') return;
    void saveSearch({ name: name.trim(), alerts }).then((ok) => {
      if (ok) setOpen(false);
    });
  };
  return (
    <form className="save-search" onSubmit={submit} aria-label={t('saved.save')}>
      {/* The palette's own keys (Enter opens a hit) stay in its input; here Enter saves. */}
      <input aria-label={t('saved.name')} value={name} maxLength={200} onChange={(e) => setName(e.target.value)} autoFocus />
      <label className="small">
        <input type="checkbox" checked={alerts} onChange={(e) => setAlerts(e.target.checked)} /> {t('saved.alerts')}
      </label>
      <button type="submit" disabled={name.trim() === ''}>
        {t('saved.confirm')}
      </button>
      <button type="button" onClick={() => setOpen(false)}>
        {t('saved.cancel')}
      </button>
    </form>
  );
}
