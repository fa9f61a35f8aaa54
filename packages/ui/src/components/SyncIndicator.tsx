import { useTranslation } from 'react-i18next';
import { useActions, useApp } from './StoreContext.js';

/** Always in the sidebar: whether this device is synced, syncing, offline, failing or not set up; opens the sync panel. */
export function SyncIndicator() {
  const { t } = useTranslation();
  const sync = useApp((s) => s.sync);
  const available = useApp((s) => s.methods.includes('syncStatus'));
  // A long pull (a new device's first sync, a week offline): how far it is.
  const progress = useApp((s) => s.progress.sync);
  const { openSync } = useActions();
  if (!available) return null;
  const state = sync?.state ?? 'unlinked';
  const pending = sync?.pending ?? 0;
  const pulling = progress !== undefined && progress.done < progress.total;
  return (
    <button type="button" className={`nav-item sync-indicator sync-${state}`} data-testid="sync-indicator" data-state={state} onClick={() => openSync(true)}>
      <span aria-hidden="true" className="nav-icon">
        ⇅
      </span>
      <span>{t('sync.indicator', { state: t(`sync.states.${state}`) })}</span>
      {pulling ? (
        <progress className="sync-progress" max={progress.total} value={progress.done} aria-label={t('sync.progress', { done: progress.done, total: progress.total })} title={t('sync.progress', { done: progress.done, total: progress.total })} />
      ) : null}
      {pending > 0 ? <span className="count" title={t('sync.pending_other', { count: pending })}>{pending}</span> : null}
    </button>
  );
}
