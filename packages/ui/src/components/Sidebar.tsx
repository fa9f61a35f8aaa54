import { useTranslation } from 'react-i18next';
import { views, type View } from '../store/state.js';
import { DataDirsButton } from './DataDirsButton.js';
import { SavedSearchList } from './SavedSearches.js';
import { useApp } from './StoreContext.js';
import { SyncIndicator } from './SyncIndicator.js';

/** Views of the library, the trash and recent activity, then saved searches, then tags to filter by. */
export function Sidebar() {
  const { t } = useTranslation();
  const view = useApp((s) => s.view);
  const tags = useApp((s) => s.tags);
  const tag = useApp((s) => s.filter.tag);
  const setView = useApp((s) => s.setView);
  const setTagFilter = useApp((s) => s.setTagFilter);
  return (
    <nav className="sidebar" aria-label={t('sidebar.label')}>
      <DataDirsButton />
      <SyncIndicator />
      <ul className="nav-list">
        {views.map((v) => (
          <li key={v}>
            <button type="button" className={`nav-item ${view === v ? 'active' : ''}`} aria-current={view === v ? 'page' : undefined} onClick={() => setView(v)}>
              <span aria-hidden="true" className="nav-icon">
                {icons[v]}
              </span>
              {t(`views.${v}`)}
            </button>
          </li>
        ))}
      </ul>
      <SavedSearchList />
      <h2 className="sidebar-heading" id="tags-heading">
        {t('sidebar.tags')}
      </h2>
      {tags.length === 0 ? <p className="muted small">{t('sidebar.noTags')}</p> : null}
      <ul className="tag-list" aria-labelledby="tags-heading">
        {tag !== undefined ? (
          <li>
            <button type="button" className="nav-item" onClick={() => setTagFilter(undefined)}>
              {t('sidebar.clearTag')}
            </button>
          </li>
        ) : null}
        {tags.map((entry) => (
          <li key={entry.tag}>
            <button
              type="button"
              className={`nav-item tag-item ${tag === entry.tag ? 'active' : ''}`}
              aria-pressed={tag === entry.tag}
              aria-label={t('sidebar.filterByTag', { tag: entry.tag, count: entry.count })}
              onClick={() => setTagFilter(tag === entry.tag ? undefined : entry.tag)}
            >
              <span>#{entry.tag}</span>
              <span className="count">{entry.count}</span>
            </button>
          </li>
        ))}
      </ul>
    </nav>
  );
}

const icons: Record<View, string> = { all: '▤', notes: '✎', documents: '▭', trash: '⌫', activity: '◷' };
