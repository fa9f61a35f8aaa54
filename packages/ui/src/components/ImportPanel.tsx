import { useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { formatBytes } from '../lib/format.js';
import { canImport } from '../store/importSlice.js';
import { Dialog } from './Dialog.js';
import { useActions, useApp } from './StoreContext.js';

/**
 * The import panel: every file dropped or chosen, with its progress and, for a failure, the engine's
 * reason and a retry. Shown only when the engine can import.
 */
export function ImportPanel() {
  const { t } = useTranslation();
  const open = useApp((s) => s.importOpen);
  const items = useApp((s) => s.imports);
  const available = useApp((s) => canImport(s.has));
  const { openImport, importFiles, retryImport, clearFinishedImports, openEntry } = useActions();
  const picker = useRef<HTMLInputElement>(null);
  if (!available) return null;
  return (
    <Dialog open={open} label={t('import.title')} onClose={() => openImport(false)} className="import-panel">
      <div className="panel-header">
        <h2>{t('import.title')}</h2>
        <button type="button" className="icon-button" aria-label={t('import.close')} onClick={() => openImport(false)}>
          ×
        </button>
      </div>
      <p className="muted">{t('import.dropHint')}</p>
      <div className="import-actions">
        <button type="button" className="primary" onClick={() => picker.current?.click()}>
          {t('import.choose')}
        </button>
        <button type="button" onClick={clearFinishedImports} disabled={!items.some((i) => i.state === 'done')}>
          {t('import.clearDone')}
        </button>
        <input
          ref={picker}
          type="file"
          multiple
          hidden
          aria-label={t('import.choose')}
          onChange={(e) => {
            const files = Array.from(e.target.files ?? []);
            importFiles(files.map((file) => ({ name: file.name, size: file.size, read: () => file.arrayBuffer() })));
            e.target.value = '';
          }}
        />
      </div>
      <ul className="import-list" aria-label={t('import.files')}>
        {items.map((item) => (
          <li key={item.key} className={`import-item import-${item.state}`} data-state={item.state}>
            <span className="import-name">{item.name}</span>
            <span className="muted small">{formatBytes(item.size)}</span>
            <span className="import-state" role="status">
              {t(`import.states.${item.state}`)}
            </span>
            {item.state === 'failed' ? (
              <>
                <span className="error small">{item.reason === 'unavailable' ? t('import.unavailable') : item.reason}</span>
                <button type="button" onClick={() => retryImport(item.key)} aria-label={t('import.retryFile', { name: item.name })}>
                  {t('import.retry')}
                </button>
              </>
            ) : null}
            {item.state === 'done' && item.entryId ? (
              <button type="button" onClick={() => void openEntry(item.entryId)} aria-label={t('import.openFile', { name: item.name })}>
                {t('import.open')}
              </button>
            ) : null}
          </li>
        ))}
      </ul>
    </Dialog>
  );
}
