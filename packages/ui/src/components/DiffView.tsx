import type { EntryView } from '@cairn/core';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { foldUnchanged, lineDiff } from '../lib/diff.js';

interface DiffViewProps {
  readonly before: EntryView | undefined;
  readonly after: EntryView;
  /** `before` is the entry now: the diff shows what restoring `after` would change. */
  readonly reverse: boolean;
}

/** What differs between two versions: title, tags, and the body line by line. */
export function DiffView({ before, after, reverse }: DiffViewProps) {
  const { t } = useTranslation();
  const from = before;
  const to = after;
  const lines = useMemo(() => foldUnchanged(lineDiff(from?.body ?? '', to.body)), [from?.body, to.body]);
  const titleChanged = (from?.title ?? '') !== to.title;
  const tagsChanged = (from?.tags ?? []).join(',') !== to.tags.join(',');
  const same = !titleChanged && !tagsChanged && lines.every((l) => l.kind === 'same' || l.kind === 'gap');
  return (
    <div className="diff" aria-label={t('history.diff')} role="group" data-testid="diff">
      <p className="muted small">{reverse ? t('history.diffFromCurrent') : t('history.diffFromPrevious')}</p>
      {same ? <p className="muted">{t('history.noDifference')}</p> : null}
      {titleChanged ? (
        <p className="diff-field">
          <span className="diff-label">{t('fields.title')}</span> <del>{from?.title ?? ''}</del> → <ins>{to.title}</ins>
        </p>
      ) : null}
      {tagsChanged ? (
        <p className="diff-field">
          <span className="diff-label">{t('fields.tags')}</span> <del>{(from?.tags ?? []).join(', ')}</del> → <ins>{to.tags.join(', ')}</ins>
        </p>
      ) : null}
      <pre className="diff-lines">
        {lines.map((line, i) =>
          line.kind === 'gap' ? (
            <div key={i} className="diff-gap">
              {t('history.unchangedLines', { count: line.count })}
            </div>
          ) : (
            <div key={i} className={`diff-${line.kind}`}>
              <span className="diff-sign" aria-label={line.kind === 'same' ? undefined : t(`history.${line.kind}`)}>
                {line.kind === 'added' ? '+' : line.kind === 'removed' ? '−' : ' '}
              </span>
              {line.text}
            </div>
          ),
        )}
      </pre>
    </div>
  );
}
