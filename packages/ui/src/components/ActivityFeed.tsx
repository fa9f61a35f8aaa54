import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatRelative } from '../lib/format.js';
import { Author } from './Author.js';
import { useActions, useApp } from './StoreContext.js';

/** Recent changes across the library, newest first; live as the engine reports changes. */
export function ActivityFeed() {
  const { t, i18n } = useTranslation();
  const activity = useApp((s) => s.activity);
  const loading = useApp((s) => s.activityLoading);
  const progress = useApp((s) => s.progress);
  const { openEntry } = useActions();
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    setNow(Date.now());
  }, [activity]);
  const tasks = Object.entries(progress).filter(([, p]) => p.done < p.total);
  return (
    <section className="activity" aria-label={t('activity.label')} aria-busy={loading}>
      <h2>{t('activity.title')}</h2>
      {tasks.map(([task, p]) => (
        <div key={task} className="progress-line">
          <span>{t(`tasks.${task}`, { defaultValue: task })}</span>
          <progress max={p.total} value={p.done} aria-label={t(`tasks.${task}`, { defaultValue: task })} />
        </div>
      ))}
      {!loading && activity.length === 0 ? <p className="empty">{t('activity.empty')}</p> : null}
      <ol className="activity-list">
        {activity.map((item) => (
          <li key={item.position}>
            <button type="button" className="activity-item" onClick={() => void openEntry(item.entryId)}>
              <span className="activity-what">
                {t(`events.${item.eventType}`, { defaultValue: item.eventType, version: '' })} <strong>{item.title || t('editor.untitled')}</strong>
                {item.fields.length > 0 ? <span className="muted"> · {item.fields.map((f) => t(`fields.${f}`, { defaultValue: f })).join(', ')}</span> : null}
              </span>
              <time className="muted small" dateTime={item.at}>
                {formatRelative(item.at, i18n.language, now)}
              </time>
              <Author actorName={item.actorName} deviceName={item.deviceName} />
            </button>
          </li>
        ))}
      </ol>
    </section>
  );
}
