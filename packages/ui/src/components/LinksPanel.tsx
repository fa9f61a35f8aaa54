import type { TextContext } from '@cairn/core';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { useActions, useApp } from './StoreContext.js';

/** A piece of text around a link or mention, the link or mention itself marked. */
function Context({ context }: { readonly context: TextContext }) {
  return (
    <span className="link-context small">
      {context.before}
      <mark>{context.match}</mark>
      {context.after}
    </span>
  );
}

/**
 * The open entry's backlinks (entries linking to it) and unlinked mentions (entries whose text holds its title outside
 * a link), each opening the other entry; a mention in a note's text has "Link", which makes it a `[[link]]` there.
 */
export function LinksPanel({ entryId, version }: { readonly entryId: string; readonly version: number }) {
  const { t } = useTranslation();
  const links = useApp((s) => (s.links?.entryId === entryId ? s.links : undefined));
  const error = useApp((s) => s.linksError);
  const { loadLinks, linkMention, openEntry } = useActions();

  useEffect(() => {
    void loadLinks();
  }, [entryId, version, loadLinks]);

  if (error && !links) {
    return (
      <p className="muted small" role="alert">
        {t('links.loadFailed')}
      </p>
    );
  }
  if (!links) return <section className="links-panel" aria-label={t('links.label')} aria-busy="true" />;
  return (
    <section className="links-panel" aria-label={t('links.label')} data-testid="links-panel">
      <h3 id="backlinks-heading">
        {t('links.backlinks')} <span className="muted">({links.backlinks.length})</span>
      </h3>
      {links.backlinks.length === 0 ? (
        <p className="muted small">{t('links.noBacklinks')}</p>
      ) : (
        <ul aria-labelledby="backlinks-heading" data-testid="backlinks">
          {links.backlinks.map((backlink) => (
            <li key={backlink.entryId}>
              <button type="button" className="link-button" onClick={() => void openEntry(backlink.entryId)}>
                {backlink.title}
              </button>
              {backlink.links[0] ? <Context context={backlink.links[0]} /> : null}
            </li>
          ))}
        </ul>
      )}
      <h3 id="mentions-heading">
        {t('links.mentions')} <span className="muted">({links.mentions.length})</span>
      </h3>
      {links.mentions.length === 0 ? (
        <p className="muted small">{t('links.noMentions')}</p>
      ) : (
        <ul aria-labelledby="mentions-heading" data-testid="mentions">
          {links.mentions.map((mention) => (
            <li key={mention.entryId}>
              <button type="button" className="link-button" onClick={() => void openEntry(mention.entryId)}>
                {mention.title}
              </button>
              {mention.count > 1 ? <span className="muted small"> · {t('links.more', { count: mention.count })}</span> : null}
              <Context context={mention.context} />
              {mention.linkable ? (
                <button type="button" aria-label={t('links.linkLabel', { title: mention.title })} onClick={() => void linkMention(mention.entryId)}>
                  {t('links.link')}
                </button>
              ) : (
                <span className="muted small"> {t('links.inText')}</span>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
