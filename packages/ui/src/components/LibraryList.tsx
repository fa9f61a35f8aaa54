import { memo, useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { EntrySort, EntrySummary, ProcessingFilter } from '@cairn/core';
import { formatRelative } from '../lib/format.js';
import { typeLabel } from '../lib/typeLabel.js';
import { rowAt } from '../store/librarySlice.js';
import { useFixedRows } from './useFixedRows.js';
import { ErrorLine } from './ErrorLine.js';
import { useApp } from './StoreContext.js';

export const ROW_HEIGHT = 58;
const sorts: EntrySort[] = ['updated', 'created', 'title'];
const statusFilters: ProcessingFilter[] = ['processing', 'done', 'failed', 'unsupported'];

/**
 * The library: a virtual listbox over every entry that matches the view (100,000 is fine — only the
 * rows on screen exist, and their pages load as they scroll in). Arrow keys move, Enter opens.
 */
export function LibraryList() {
  const { t, i18n } = useTranslation();
  const total = useApp((s) => s.total);
  const pages = useApp((s) => s.pages);
  const loading = useApp((s) => s.libraryLoading);
  const error = useApp((s) => s.libraryError);
  const filter = useApp((s) => s.filter);
  const sort = useApp((s) => s.sort);
  const order = useApp((s) => s.order);
  const selectedId = useApp((s) => s.selectedId);
  const ensureRows = useApp((s) => s.ensureRows);
  const openEntry = useApp((s) => s.openEntry);
  const setSort = useApp((s) => s.setSort);
  const setStatusFilter = useApp((s) => s.setStatusFilter);
  const generation = useApp((s) => s.libraryGeneration);
  const scrollRef = useRef<HTMLDivElement>(null);
  const [active, setActive] = useState(0);
  const [now, setNow] = useState(() => Date.now());

  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 60_000);
    return () => clearInterval(timer);
  }, []);

  const { first, last, totalHeight, scrollToIndex } = useFixedRows(scrollRef, total, ROW_HEIGHT, 6);
  const slots = Math.max(0, last - first + 1);

  useEffect(() => {
    ensureRows(first, last);
  }, [first, last, generation, ensureRows]);

  // A new filter or sort starts at the top.
  const filterKey = `${filter.kind ?? ''}|${filter.tag ?? ''}|${filter.status ?? ''}|${filter.deleted}|${sort}|${order}`;
  useEffect(() => {
    scrollRef.current?.scrollTo({ top: 0 });
    setActive(0);
  }, [filterKey]);

  const move = (index: number) => {
    const next = Math.max(0, Math.min(total - 1, index));
    setActive(next);
    scrollToIndex(next);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? ROW_HEIGHT * 10) / ROW_HEIGHT) - 1);
    const keys: Record<string, () => void> = {
      ArrowDown: () => move(active + 1),
      ArrowUp: () => move(active - 1),
      PageDown: () => move(active + page),
      PageUp: () => move(active - page),
      Home: () => move(0),
      End: () => move(total - 1),
      Enter: () => {
        const row = rowAt(pages, active);
        if (row) void openEntry(row.id);
      },
    };
    const action = keys[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  };

  const activeRow = rowAt(pages, active);
  const labels = useMemo<RowLabels>(
    () => ({
      untitled: t('editor.untitled'),
      note: t('kind.note'),
      document: t('kind.document'),
      type: { note: t('library.type.note'), text: t('library.type.text'), markdown: t('library.type.markdown'), file: t('library.type.file') },
      badge: { failed: t('library.badge.failed'), unsupported: t('library.badge.unsupported') },
      reason: (status, reason) => t('library.reason', { status, reason: reason ?? t('library.noReason') }),
    }),
    [t],
  );
  const onRowClick = useRef((index: number, id: string | undefined) => {
    setActive(index);
    if (id !== undefined) void openEntry(id);
  }).current;
  return (
    <section className="library" aria-label={t('library.label')}>
      <div className="library-toolbar">
        <span className="muted small" aria-live="polite" data-testid="library-count">
          {t('library.count', { count: total })}
        </span>
        {filter.kind === 'document' && !filter.deleted ? (
          <label className="sort">
            <span className="visually-hidden">{t('library.statusFilter')}</span>
            <select
              aria-label={t('library.statusFilter')}
              value={filter.status ?? ''}
              onChange={(e) => setStatusFilter(e.target.value === '' ? undefined : (e.target.value as ProcessingFilter))}
            >
              <option value="">{t('library.status.any')}</option>
              {statusFilters.map((s) => (
                <option key={s} value={s}>
                  {t(`library.status.${s}`)}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <label className="sort">
          <span className="visually-hidden">{t('library.sortBy')}</span>
          <select aria-label={t('library.sortBy')} value={sort} onChange={(e) => setSort(e.target.value as EntrySort)}>
            {sorts.map((s) => (
              <option key={s} value={s}>
                {t(`library.sort.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          className="icon-button"
          aria-label={order === 'asc' ? t('library.ascending') : t('library.descending')}
          title={order === 'asc' ? t('library.ascending') : t('library.descending')}
          onClick={() => setSort(sort, order === 'asc' ? 'desc' : 'asc')}
        >
          {order === 'asc' ? '↑' : '↓'}
        </button>
      </div>
      <ErrorLine error={error} />
      {!loading && total === 0 ? <p className="empty">{filter.deleted ? t('library.emptyTrash') : t('library.empty')}</p> : null}
      <div
        ref={scrollRef}
        className="library-scroll"
        role="listbox"
        tabIndex={0}
        aria-label={t('library.entries')}
        aria-activedescendant={activeRow ? `row-${activeRow.id}` : undefined}
        onKeyDown={onKeyDown}
        data-testid="library-list"
      >
        <div style={{ height: totalHeight, position: 'relative' }}>
          {Array.from({ length: slots }, (_, i) => {
            const index = first + i;
            const row = rowAt(pages, index);
            return (
              <Row
                // Keyed by slot, so scrolling updates the same DOM rows instead of making new ones.
                key={index % slots}
                row={row}
                index={index}
                start={index * ROW_HEIGHT}
                total={total}
                selected={row !== undefined && row.id === selectedId}
                active={index === active}
                language={i18n.language}
                now={now}
                labels={labels}
                onOpen={onRowClick}
              />
            );
          })}
        </div>
      </div>
    </section>
  );
}

interface RowProps {
  readonly row: EntrySummary | undefined;
  readonly index: number;
  readonly start: number;
  readonly total: number;
  readonly selected: boolean;
  readonly active: boolean;
  readonly language: string;
  readonly now: number;
  readonly labels: RowLabels;
  readonly onOpen: (index: number, id: string | undefined) => void;
}

interface RowLabels {
  readonly untitled: string;
  readonly note: string;
  readonly document: string;
  readonly type: { readonly note: string; readonly text: string; readonly markdown: string; readonly file: string };
  readonly badge: { readonly failed: string; readonly unsupported: string };
  readonly reason: (status: string, reason: string | null) => string;
}

/** A short type label: "Note", or the document's format from its MIME type (PDF, PNG, Markdown…). */
function rowType(row: EntrySummary, labels: RowLabels): string {
  if (row.kind === 'note') return labels.type.note;
  if (!row.document) return labels.document;
  const label = typeLabel(row.document.mimeType);
  if ('name' in label) return label.name;
  // Unknown bytes are taken for plain text at import until processing finds they are not: an unsupported
  // "text" document is of no known type.
  return labels.type[label.word === 'text' && row.document.status === 'unsupported' ? 'file' : label.word];
}

/** One row; re-renders only when its own data changes (scrolling 100,000 rows stays cheap). */
const Row = memo(function Row({ row, index, start, total, selected, active, language, now, labels, onOpen }: RowProps) {
  const status = row?.document?.status;
  const badge = status === 'failed' || status === 'unsupported' ? labels.badge[status] : undefined;
  const reasonId = row && badge ? `reason-${row.id}` : undefined;
  const reason = row && badge ? labels.reason(badge, row.document?.reason ?? null) : undefined;
  return (
    <div
      id={row ? `row-${row.id}` : undefined}
      role="option"
      aria-selected={selected}
      aria-setsize={total}
      aria-posinset={index + 1}
      aria-describedby={reasonId}
      className={`row ${selected ? 'selected' : ''} ${active ? 'active' : ''}`}
      style={{ transform: `translateY(${start}px)`, height: ROW_HEIGHT }}
      onClick={() => onOpen(index, row?.id)}
    >
      {row ? (
        <>
          <div className="row-title">
            <span className="kind-badge" aria-label={labels[row.kind]}>
              {row.kind === 'note' ? '✎' : '▭'}
            </span>
            <span className="row-title-text">{row.title || labels.untitled}</span>
            {badge ? (
              <span className={`status-badge status-${status}`} title={reason} data-testid="status-badge">
                {status === 'failed' ? '✕ ' : '⊘ '}
                {badge}
              </span>
            ) : null}
          </div>
          <div className="row-meta">
            <span className="type-label" data-testid="type-label">
              {rowType(row, labels)}
            </span>
            <time dateTime={row.updatedAt}>{formatRelative(row.updatedAt, language, now)}</time>
            {row.tags.slice(0, 3).map((tag) => (
              <span key={tag} className="tag-chip">
                #{tag}
              </span>
            ))}
            {row.tags.length > 3 ? <span className="tag-more">+{row.tags.length - 3}</span> : null}
          </div>
          {reasonId ? (
            // The reason, as the row's description: read out when the row is active (the badge's title is for the mouse).
            <span id={reasonId} className="visually-hidden" aria-hidden="true">
              {reason}
            </span>
          ) : null}
        </>
      ) : (
        <div className="row-placeholder" aria-hidden="true" />
      )}
    </div>
  );
});
