import type { AskCitation, AskPassage } from '@cairn/core';
import { useEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { snippetHtml } from '../lib/snippet.js';
import { ErrorLine } from './ErrorLine.js';
import { useActions, useApp } from './StoreContext.js';

/**
 * Ask, the search palette's second tab: a question answered from the user's own entries. The answer appears as
 * the model writes it; once complete, its `[n]` markers become links to the cited passages, each opening the
 * entry with the cited words highlighted. Without a model (or when it fails) the passages themselves are shown.
 */
export function AskPanel({ initialQuestion }: { readonly initialQuestion: string }) {
  const { t } = useTranslation();
  const ask = useApp((s) => s.ask);
  const settings = useApp((s) => s.askSettings);
  const { askQuestion, openCitation, openSettings, openSearch } = useActions();
  const [question, setQuestion] = useState(ask?.question ?? initialQuestion);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => input.current?.select(), []);

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      void askQuestion(question);
    }
  };
  const result = ask?.result;
  const noModel = settings !== undefined && (settings.baseUrl === null || settings.model === null);
  const open = (c: Pick<AskCitation, 'entryId' | 'source' | 'highlight'>) => void openCitation(c);
  const passageTarget = (p: AskPassage) => ({ entryId: p.entryId, source: p.source, highlight: { start: p.start, end: p.end } });

  return (
    <div className="ask-panel">
      <div className="palette-input">
        <input ref={input} type="search" aria-label={t('ask.question')} placeholder={t('ask.placeholder')} value={question} onChange={(e) => setQuestion(e.target.value)} onKeyDown={onKeyDown} />
        <button type="button" className="primary" disabled={question.trim() === '' || ask?.running === true} onClick={() => void askQuestion(question)}>
          {t('ask.button')}
        </button>
      </div>
      {noModel && !ask ? (
        <p className="muted small" data-testid="ask-no-model">
          {t('ask.noModelHint')}{' '}
          <button
            type="button"
            className="link"
            onClick={() => {
              openSearch(false);
              openSettings(true);
            }}
          >
            {t('ask.setModel')}
          </button>
        </p>
      ) : null}
      <ErrorLine error={ask?.error} />
      {ask ? (
        <>
          {ask.answer !== '' || (ask.running && !noModel) ? (
            <div className="ask-answer" role="region" aria-label={t('ask.answer')} aria-busy={ask.running} aria-live="polite" data-testid="ask-answer">
              {result && result.answer !== null ? withCitationLinks(result.answer, result.citations, open, t('ask.openCitation')) : ask.answer || t('ask.thinking')}
            </div>
          ) : null}
          {result?.error ? <ErrorLine error={`${result.error.message} — ${t('ask.passagesStillShown')}`} /> : null}
          {result && result.answer === null && result.model === null && noModelNotice(result.notices) ? (
            <p className="muted small" role="status" data-testid="ask-no-model">
              {t('ask.noModel')}
            </p>
          ) : null}
          {result?.notices
            .filter((n) => !n.startsWith('no model is set'))
            .map((notice) => (
              <p key={notice} className="muted small search-notice">
                {notice}
              </p>
            ))}
          {result && result.citations.length > 0 ? (
            <>
              <h3 className="ask-heading">{t('ask.citations')}</h3>
              <ul className="ask-citations" aria-label={t('ask.citations')}>
                {uniqueCitations(result.citations).map((c) => (
                  <li key={`${c.n}:${c.highlight.start}`}>
                    <button type="button" className="link" onClick={() => open(c)} data-testid="ask-citation">
                      [{c.n}] {c.title || t('editor.untitled')}
                    </button>{' '}
                    <span className="muted small">“{excerpt(result.passages.find((p) => p.n === c.n)?.text ?? '', c)}”</span>
                  </li>
                ))}
              </ul>
            </>
          ) : null}
          {ask.passages.length > 0 && (!result || result.citations.length === 0) ? (
            <>
              <h3 className="ask-heading">{t('ask.passages')}</h3>
              <ul className="search-results" aria-label={t('ask.passages')} data-testid="ask-passages">
                {ask.passages.map((p) => (
                  <li key={p.n} onClick={() => open(passageTarget(p))}>
                    <div className="hit-title">
                      {p.n}. {p.title || t('editor.untitled')} <span className="kind-badge">{t(`kind.${p.kind}`)}</span>
                    </div>
                    <div className="hit-snippet" dangerouslySetInnerHTML={{ __html: snippetHtml(p.snippet) }} />
                  </li>
                ))}
              </ul>
            </>
          ) : null}
          {result && ask.passages.length === 0 ? <p className="muted small">{t('ask.nothingFound')}</p> : null}
        </>
      ) : (
        <p className="muted small">{t('ask.hint')}</p>
      )}
    </div>
  );
}

function noModelNotice(notices: readonly string[]): boolean {
  return notices.some((n) => n.startsWith('no model is set'));
}

/** The answer with each `[n]` marker that maps to a passage as a link; dropped markers stay text. */
function withCitationLinks(answer: string, citations: readonly AskCitation[], open: (c: AskCitation) => void, label: string): ReactNode[] {
  const parts: ReactNode[] = [];
  let at = 0;
  const byMarker = new Map<number, AskCitation[]>();
  for (const c of citations) byMarker.set(c.at, [...(byMarker.get(c.at) ?? []), c]);
  for (const [markerAt, group] of [...byMarker].sort((a, b) => a[0] - b[0])) {
    if (markerAt > at) parts.push(answer.slice(at, markerAt));
    for (const c of group) {
      parts.push(
        <button key={`${markerAt}:${c.n}`} type="button" className="citation" title={`${label}: ${c.title}`} aria-label={`${label} ${c.n}: ${c.title}`} onClick={() => open(c)}>
          [{c.n}]
        </button>,
      );
    }
    at = markerAt + group[0]!.length;
  }
  parts.push(answer.slice(at));
  return parts;
}

function uniqueCitations(citations: readonly AskCitation[]): AskCitation[] {
  const seen = new Set<string>();
  return citations.filter((c) => {
    const key = `${c.n}:${c.highlight.start}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** What the citation vouches for: the quoted words when the passage holds them, else the passage's start. */
function excerpt(text: string, c: AskCitation): string {
  const words = c.quoteFound ? text.slice(c.highlight.start - c.start, c.highlight.end - c.start) : text;
  const flat = words.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat;
}
