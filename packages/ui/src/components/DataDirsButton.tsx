import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { DataDirsDialog } from './DataDirsDialog.js';
import { useActions, useApp } from './StoreContext.js';

/** In the sidebar: the data directory open now (its name); opens the list of data directories. */
export function DataDirsButton() {
  const { t } = useTranslation();
  const available = useApp((s) => s.methods.includes('dataDirs'));
  const list = useApp((s) => s.dataDirs);
  const { openDataDirs, loadDataDirs } = useActions();
  useEffect(() => {
    if (available) void loadDataDirs();
  }, [available, loadDataDirs]);
  if (!available) return null;
  const current = list?.dirs.find((d) => d.path === list.current);
  const name = current?.name ?? list?.current.split(/[\\/]/).filter(Boolean).pop() ?? '…';
  return (
    <>
      <button type="button" className="nav-item data-dirs-button" data-testid="data-dirs-button" title={list?.current} aria-label={t('dataDirs.button', { name })} onClick={() => openDataDirs(true)}>
        <span aria-hidden="true" className="nav-icon">
          ⌂
        </span>
        <span>{name}</span>
      </button>
      <DataDirsDialog />
    </>
  );
}
