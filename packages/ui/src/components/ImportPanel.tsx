import { useRef, type InputHTMLAttributes } from 'react';
import { useTranslation } from 'react-i18next';
import { formatBytes } from '../lib/format.js';
import { canImport, isSettled } from '../store/importSlice.js';
import type { ImportItem, ImportSource } from '../store/state.js';
import { Dialog } from './Dialog.js';
import { useActions, useApp } from './StoreContext.js';

/** What a person is told about an item: its phase, or while processing the engine's status. */
export function importState(item: ImportItem): string {
  switch (item.phase) {
    case 'processing':
      return item.status ?? 'queued';
    case 'failed':
      return item.status === 'unsupported' || item.code === 'unsupported' ? 'unsupported' : 'failed';
    case 'waiting':
    case 'sending':
    case 'done':
    case 'duplicate':
      return item.phase;
    default: {
      const unknown: never = item.phase;
      return unknown;
    }
  }
}

// `webkitdirectory` (folders in the file picker) is not in React's types.
const folderPicker = { webkitdirectory: '' } as InputHTMLAttributes<HTMLInputElement>;

function sourcesOf(files: FileList | null): ImportSource[] {
  return Array.from(files ?? []).map((file) => ({ name: file.webkitRelativePath || file.name, size: file.size, read: () => file.arrayBuffer(), file }));
}

/**
 * The import panel: every file dropped or chosen, with its progress through the engine's processing
 * (queued, extracting, OCR, done), and for a failure the engine's reason and a retry. Shown only when
 * the engine can import.
 */
export function ImportPanel() {
  const { t } = useTranslation();
  const open = useApp((s) => s.importOpen);
  const items = useApp((s) => s.imports);
  const available = useApp((s) => canImport(s.has));
  const { openImport, importFiles, clearFinishedImports } = useActions();
  const filePicker = useRef<HTMLInputElement>(null);
  const dirPicker = useRef<HTMLInputElement>(null);
  if (!available) return null;
  const settled = items.filter(isSettled).length;
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
        <button type="button" className="primary" onClick={() => filePicker.current?.click()}>
          {t('import.choose')}
        </button>
        <button type="button" onClick={() => dirPicker.current?.click()}>
          {t('import.chooseFolder')}
        </button>
        <span className="spacer" />
        <button type="button" onClick={clearFinishedImports} disabled={!items.some((i) => i.phase === 'done' || i.phase === 'duplicate')}>
          {t('import.clearDone')}
        </button>
        {[filePicker, dirPicker].map((picker) => (
          <input
            key={picker === filePicker ? 'files' : 'folder'}
            ref={picker}
            type="file"
            multiple
            hidden
            {...(picker === dirPicker ? folderPicker : {})}
            aria-label={picker === filePicker ? t('import.choose') : t('import.chooseFolder')}
            onChange={(e) => {
              importFiles(sourcesOf(e.target.files));
              e.target.value = '';
            }}
          />
        ))}
      </div>
      {items.length > 0 ? (
        <p className="muted small" aria-live="polite">
          {t('import.summary', { settled, count: items.length })}
        </p>
      ) : null}
      <ul className="import-list" aria-label={t('import.files')}>
        {items.map((item) => (
          <ImportRow key={item.key} item={item} />
        ))}
      </ul>
    </Dialog>
  );
}

function ImportRow({ item }: { readonly item: ImportItem }) {
  const { t } = useTranslation();
  const { retryImport, openEntry, openImport } = useActions();
  const state = importState(item);
  const open = (id: string) => {
    openImport(false);
    void openEntry(id);
  };
  return (
    // Named by the file and where it stands ("report.pdf Done"); the reason or progress follows in the content.
    <li className={`import-item import-${item.phase}`} data-state={state} aria-labelledby={`${item.key}-name ${item.key}-state`}>
      <span className="import-name" id={`${item.key}-name`} title={item.name}>
        {item.name}
      </span>
      <span className="muted small">{formatBytes(item.size)}</span>
      <span className="import-state" id={`${item.key}-state`}>
        {t(`import.states.${state}`, { defaultValue: state })}
      </span>
      <span className="import-action">
        {item.phase === 'failed' ? (
          <button type="button" onClick={() => retryImport(item.key)} aria-label={t('import.retryFile', { name: item.name })}>
            {t('import.retry')}
          </button>
        ) : null}
        {(item.phase === 'done' || item.phase === 'failed') && item.entryId ? (
          <button type="button" onClick={() => open(item.entryId!)} aria-label={t('import.openFile', { name: item.name })}>
            {t('import.open')}
          </button>
        ) : null}
      </span>
      <ImportDetail item={item} open={open} />
    </li>
  );
}

function ImportDetail({ item, open }: { readonly item: ImportItem; readonly open: (id: string) => void }) {
  const { t } = useTranslation();
  if (item.phase === 'failed') {
    const reason = item.code === 'unavailable' ? t('import.unavailable') : (item.reason ?? t(`import.codes.${item.code ?? 'failed'}`, { defaultValue: item.code ?? '' }));
    return (
      <span className="import-detail error small" data-testid="import-reason">
        {reason}
      </span>
    );
  }
  if (item.phase === 'duplicate' && item.duplicateOf) {
    const { id, title } = item.duplicateOf;
    return (
      <span className="import-detail small">
        {t('import.alreadyIn')}{' '}
        <button type="button" className="link" onClick={() => open(id)}>
          {title || t('editor.untitled')}
        </button>
      </span>
    );
  }
  if (item.phase === 'sending' && item.sent !== undefined) {
    return <progress className="import-detail" max={item.size} value={item.sent} aria-label={t('import.sendingFile', { name: item.name })} />;
  }
  if (item.phase === 'processing' && item.pages) {
    return (
      <span className="import-detail small">
        <progress max={item.pages.total} value={item.pages.done} aria-label={t('import.pagesOf', { name: item.name })} />{' '}
        {t('import.pages', { done: item.pages.done, total: item.pages.total })}
      </span>
    );
  }
  if (item.phase === 'processing' || item.phase === 'sending') {
    return <progress className="import-detail" aria-label={t('import.workingOn', { name: item.name })} />;
  }
  return null;
}
