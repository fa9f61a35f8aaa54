import { lazy, Suspense } from 'react';
import { hasConflictBlocks, resolveConflictBlocks, type ConflictSide } from '../lib/conflictBlocks.js';
import { useTranslation } from 'react-i18next';
import { formatDateTime } from '../lib/format.js';
import { DocumentView } from './DocumentView.js';
import { EntrySuggestions } from './EntrySuggestions.js';
import { ErrorLine } from './ErrorLine.js';
import { LazyHistoryPanel, LazyMarkdownPreview } from './lazyParts.js';
import { LinksPanel } from './LinksPanel.js';
import { useMissingLinks } from './useMissingLinks.js';
import { NearCopies } from './NearCopies.js';
import { useActions, useApp } from './StoreContext.js';

// CodeMirror loads when the first note opens, not before the first screen.
const MarkdownEditor = lazy(() => import('./MarkdownEditor.js'));

/** The open entry: a note in the editor (with preview), or a document; its history beside it. */
export function EntryPane() {
  const { t, i18n } = useTranslation();
  const entry = useApp((s) => s.entry);
  const draft = useApp((s) => s.draft);
  const revision = useApp((s) => s.draftRevision);
  const dirty = useApp((s) => s.dirty);
  const saving = useApp((s) => s.saving);
  const conflict = useApp((s) => s.conflict);
  const error = useApp((s) => s.entryError);
  const selectedId = useApp((s) => s.selectedId);
  const historyOpen = useApp((s) => s.historyOpen);
  const showPreview = useApp((s) => s.prefs.showPreview);
  const deviceId = useApp((s) => s.sync?.deviceId);
  // A citation opened from Ask: the passage in this note's body.
  const cited = useApp((s) => (s.openedPassage?.entryId === s.selectedId && s.openedPassage?.source === 'body' ? s.openedPassage : undefined));
  const { editDraft, saveDraft, discardDraft, deleteEntry, restoreEntry, openHistory, setPrefs, followLink, linkTitles } = useActions();
  const missingLinks = useMissingLinks();

  if (selectedId === undefined) {
    return (
      <section className="entry-pane empty-pane" aria-label={t('editor.label')}>
        <p className="muted">{t('editor.nothingOpen')}</p>
      </section>
    );
  }
  if (error) {
    return (
      <section className="entry-pane" aria-label={t('editor.label')}>
        <ErrorLine error={error} small={false} />
      </section>
    );
  }
  if (!entry || !draft) {
    return <section className="entry-pane" aria-label={t('editor.label')} aria-busy="true" />;
  }

  const readOnly = entry.deleted;
  const keepSide = async (side: ConflictSide) => {
    editDraft({ body: resolveConflictBlocks(draft.body, side, deviceId) }, { replace: true });
    await saveDraft();
  };
  const saveState = saving ? t('editor.saving') : dirty ? t('editor.unsaved') : t('editor.saved');
  return (
    <div className="entry-area">
      <section className="entry-pane" aria-label={t('editor.label')}>
        <div className="entry-toolbar" role="toolbar" aria-label={t('editor.toolbar')}>
          <span className="save-state muted small" role="status" data-testid="save-state">
            {readOnly ? t('editor.inTrash') : saveState}
          </span>
          <span className="muted small">
            {t('editor.version', { version: entry.version })} · {formatDateTime(entry.updatedAt, i18n.language)}
          </span>
          <span className="spacer" />
          {entry.kind === 'note' ? (
            <button type="button" aria-pressed={showPreview} onClick={() => setPrefs({ showPreview: !showPreview })}>
              {t('editor.preview')}
            </button>
          ) : null}
          <button type="button" aria-pressed={historyOpen} aria-keyshortcuts="Control+H" onClick={() => void openHistory(!historyOpen)}>
            {t('history.open')}
          </button>
          {readOnly ? (
            <button type="button" onClick={() => void restoreEntry()}>
              {t('editor.restore')}
            </button>
          ) : (
            <button type="button" className="danger" onClick={() => void deleteEntry()}>
              {t('editor.delete')}
            </button>
          )}
        </div>
        {conflict ? (
          <div className="banner banner-warning" role="alert">
            <span>{t('editor.conflict')}</span>
            <button type="button" onClick={() => void discardDraft()}>
              {t('editor.loadTheirs')}
            </button>
            <button type="button" onClick={() => void saveDraft({ overwrite: true })}>
              {t('editor.keepMine')}
            </button>
          </div>
        ) : null}
        {entry.kind === 'note' && !readOnly && hasConflictBlocks(draft.body) ? (
          <div className="banner banner-warning" role="alert" data-testid="conflict-markers">
            <span>{t('editor.markers')}</span>
            <button type="button" onClick={() => void keepSide('mine')}>
              {t('editor.markersMine')}
            </button>
            <button type="button" onClick={() => void keepSide('theirs')}>
              {t('editor.markersTheirs')}
            </button>
          </div>
        ) : null}
        <input
          className="title-input"
          aria-label={t('editor.title')}
          placeholder={t('editor.untitled')}
          value={draft.title}
          readOnly={readOnly}
          onChange={(e) => editDraft({ title: e.target.value })}
        />
        <input
          className="tags-input"
          aria-label={t('editor.tags')}
          placeholder={t('editor.tagsPlaceholder')}
          value={draft.tags}
          readOnly={readOnly}
          onChange={(e) => editDraft({ tags: e.target.value })}
        />
        {entry.kind === 'document' ? (
          <DocumentView entry={entry} />
        ) : (
          <div className={`editor-split ${showPreview ? 'with-preview' : ''}`}>
            <Suspense fallback={<div className="markdown-editor loading" aria-busy="true" />}>
              <MarkdownEditor value={draft.body} revision={revision} readOnly={readOnly} label={t('editor.body')} onChange={(body) => editDraft({ body })} highlight={cited} completeTitles={linkTitles} />
            </Suspense>
            {showPreview ? (
              <LazyMarkdownPreview
                source={draft.body}
                label={t('editor.previewLabel')}
                missing={missingLinks}
                missingHint={t('links.missing')}
                onFollow={(title) => void followLink(title)}
                cited={cited ? draft.body.slice(cited.start, cited.end) : undefined}
              />
            ) : null}
          </div>
        )}
        {readOnly ? null : <LinksPanel entryId={entry.id} version={entry.version} />}
        <NearCopies entry={entry} />
      </section>
      <EntrySuggestions entry={entry} />
      {historyOpen ? <LazyHistoryPanel /> : null}
    </div>
  );
}
