import { useTranslation } from 'react-i18next';
import { formatDateTime } from '../lib/format.js';
import { Author } from './Author.js';
import { DiffView } from './DiffView.js';
import { MarkdownPreview } from './MarkdownPreview.js';
import { useActions, useApp } from './StoreContext.js';

/**
 * Every version of the open entry, newest first. Choosing one shows it as it was and what changed
 * (against now, or against the version before); restoring appends a revert, itself a new version.
 */
export function HistoryPanel() {
  const { t, i18n } = useTranslation();
  const items = useApp((s) => s.historyItems);
  const loading = useApp((s) => s.historyLoading);
  const viewing = useApp((s) => s.viewing);
  const compareWith = useApp((s) => s.compareWith);
  const current = useApp((s) => s.entry);
  const { viewVersion, restoreVersion, openHistory, setCompareWith } = useActions();

  return (
    <aside className="history-panel" aria-label={t('history.label')} aria-busy={loading}>
      <div className="panel-header">
        <h2>{t('history.title')}</h2>
        <button type="button" className="icon-button" aria-label={t('history.close')} onClick={() => void openHistory(false)}>
          ×
        </button>
      </div>
      <ol className="history-list" aria-label={t('history.versions')}>
        {items.map((item) => {
          const isCurrent = item.version === current?.version;
          return (
            <li key={item.version}>
              <button
                type="button"
                className={`history-item ${viewing?.version === item.version ? 'active' : ''}`}
                aria-pressed={viewing?.version === item.version}
                aria-label={t('history.viewVersion', { version: item.version })}
                onClick={() => void viewVersion(viewing?.version === item.version ? undefined : item.version)}
              >
                <span className="history-version">v{item.version}</span>
                <span className="history-what">
                  {t(`events.${item.eventType}`, { defaultValue: item.eventType, version: item.revertedTo ?? '' })}
                  {item.fields.length > 0 ? <span className="muted"> · {item.fields.map((f) => t(`fields.${f}`, { defaultValue: f })).join(', ')}</span> : null}
                  {isCurrent ? <span className="badge">{t('history.current')}</span> : null}
                </span>
                <time className="muted small" dateTime={item.at}>
                  {formatDateTime(item.at, i18n.language)}
                </time>
                <Author actorName={item.actorName} deviceName={item.deviceName} />
              </button>
            </li>
          );
        })}
      </ol>
      {viewing ? (
        <section className="version-view" aria-label={t('history.versionLabel', { version: viewing.version })}>
          <div className="version-actions">
            <h3>{t('history.versionLabel', { version: viewing.version })}</h3>
            <button type="button" className="primary" disabled={viewing.version === current?.version} onClick={() => void restoreVersion(viewing.version)}>
              {t('history.restore', { version: viewing.version })}
            </button>
          </div>
          <div className="segmented" role="radiogroup" aria-label={t('history.compare')}>
            {(['current', 'previous'] as const).map((c) => (
              <button key={c} type="button" role="radio" aria-checked={compareWith === c} onClick={() => void setCompareWith(c)}>
                {t(`history.compareWith.${c}`)}
              </button>
            ))}
          </div>
          <DiffView before={viewing.base} after={viewing.entry} reverse={compareWith === 'current'} />
          <details>
            <summary>{t('history.asItWas')}</summary>
            <h4 className="version-title">{viewing.entry.title}</h4>
            <MarkdownPreview source={viewing.entry.body} label={t('history.asItWas')} />
          </details>
        </section>
      ) : (
        <p className="muted small">{t('history.hint')}</p>
      )}
    </aside>
  );
}
