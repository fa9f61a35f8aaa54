import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatDateTime } from '../lib/format.js';
import { Dialog } from './Dialog.js';
import { ErrorLine } from './ErrorLine.js';
import { useActions, useApp } from './StoreContext.js';

/**
 * The data directories this person has opened, one per workspace (as Obsidian lists vaults): which one is open, the
 * workspace each syncs with, opening another, forgetting one (its folder stays), and creating a new empty one.
 */
export function DataDirsDialog() {
  const { t, i18n } = useTranslation();
  const open = useApp((s) => s.dataDirsOpen);
  const list = useApp((s) => s.dataDirs);
  const busy = useApp((s) => s.dataDirsBusy);
  const error = useApp((s) => s.dataDirsError);
  const { openDataDirs, switchDataDir, createDataDir, forgetDataDir } = useActions();
  const [path, setPath] = useState('');
  const [name, setName] = useState('');
  const [existing, setExisting] = useState('');
  const canSwitch = list?.canSwitch ?? false;
  return (
    <Dialog open={open} label={t('dataDirs.title')} onClose={() => openDataDirs(false)} className="settings data-dirs-dialog">
      <div className="panel-header">
        <h2>{t('dataDirs.title')}</h2>
        <button type="button" className="icon-button" aria-label={t('dataDirs.close')} onClick={() => openDataDirs(false)}>
          ×
        </button>
      </div>
      <ErrorLine error={error} />
      {list?.recoveredFrom ? (
        <p className="banner banner-warning" role="status">
          {t('dataDirs.recovered', { file: list.recoveredFrom })}
        </p>
      ) : null}
      {!canSwitch && list ? <p className="muted small">{t('dataDirs.cannotSwitch')}</p> : null}
      <fieldset disabled={busy}>
        <ul className="data-dir-list" data-testid="data-dir-list">
          {list?.dirs.map((dir) => {
            const current = dir.path === list.current;
            return (
              <li key={dir.path} className={`data-dir ${current ? 'current' : ''}`} aria-current={current ? 'true' : undefined}>
                <div>
                  <strong>{dir.name}</strong> {current ? <span className="muted small">{t('dataDirs.current')}</span> : null}
                  {!dir.exists ? <span className="error small"> {t('dataDirs.missing')}</span> : null}
                  <div className="muted small">{dir.path}</div>
                  <div className="muted small">
                    {dir.workspace ? t('dataDirs.linked', { workspace: dir.workspace.workspace, server: dir.workspace.server }) : t('dataDirs.local')}
                    {' · '}
                    {t('dataDirs.lastOpened', { time: formatDateTime(dir.lastOpenedAt, i18n.language) })}
                  </div>
                </div>
                {!current ? (
                  <div className="row-actions">
                    {canSwitch && dir.exists ? (
                      <button type="button" onClick={() => void switchDataDir(dir.path)}>
                        {t('dataDirs.open')}
                      </button>
                    ) : null}
                    <button type="button" aria-label={t('dataDirs.forgetLabel', { name: dir.name })} onClick={() => void forgetDataDir(dir.path)}>
                      {t('dataDirs.forget')}
                    </button>
                  </div>
                ) : null}
              </li>
            );
          })}
        </ul>
      </fieldset>
      {canSwitch ? (
        <>
          <form
            onSubmit={(event) => {
              event.preventDefault();
              void switchDataDir(existing.trim());
            }}
          >
            <fieldset disabled={busy}>
              <legend>{t('dataDirs.openOther')}</legend>
              <label className="field">
                <span>{t('dataDirs.path')}</span>
                <input required value={existing} placeholder={t('dataDirs.pathExample')} onChange={(e) => setExisting(e.target.value)} />
              </label>
              <button type="submit">{t('dataDirs.open')}</button>
            </fieldset>
          </form>
          <form
            onSubmit={(event) => {
              event.preventDefault();
              void createDataDir(path.trim(), name.trim());
            }}
          >
            <fieldset disabled={busy}>
              <legend>{t('dataDirs.create')}</legend>
              <label className="field">
                <span>{t('dataDirs.path')}</span>
                <input required value={path} placeholder={t('dataDirs.pathExample')} onChange={(e) => setPath(e.target.value)} />
              </label>
              <label className="field">
                <span>{t('dataDirs.name')}</span>
                <input value={name} onChange={(e) => setName(e.target.value)} />
              </label>
              <p className="muted small">{t('dataDirs.createHint')}</p>
              <button type="submit">{t('dataDirs.createButton')}</button>
            </fieldset>
          </form>
        </>
      ) : null}
    </Dialog>
  );
}
