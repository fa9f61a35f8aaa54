import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatDateTime } from '../lib/format.js';
import { Dialog } from './Dialog.js';
import { ErrorLine } from './ErrorLine.js';
import { useActions, useApp } from './StoreContext.js';

/** The sync panel: sign in to the team's server, link this device to a workspace, see how sync is doing, sync now, unlink. */
export function SyncDialog() {
  const { t, i18n } = useTranslation();
  const open = useApp((s) => s.syncOpen);
  const sync = useApp((s) => s.sync);
  const busy = useApp((s) => s.syncBusy);
  const error = useApp((s) => s.syncError);
  const workspaces = useApp((s) => s.syncWorkspaces);
  const { openSync, syncLogin, syncLink, syncNow, syncLogout, syncUnlink } = useActions();
  const [server, setServer] = useState('');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [workspace, setWorkspace] = useState('');
  const [newName, setNewName] = useState('');
  const account = sync?.account ?? null;
  const chosen = workspace || workspaces[0]?.id || '';
  return (
    <Dialog open={open} label={t('sync.title')} onClose={() => openSync(false)} className="settings sync-dialog">
      <div className="panel-header">
        <h2>{t('sync.title')}</h2>
        <button type="button" className="icon-button" aria-label={t('sync.close')} onClick={() => openSync(false)}>
          ×
        </button>
      </div>
      <ErrorLine error={error} />
      {sync?.lastError ? (
        <div className="banner banner-warning" role="alert" data-testid="sync-error">
          <span>{sync.lastError.message}</span> <span>{sync.lastError.action}</span>
        </div>
      ) : null}
      {sync?.readOnly ? (
        <div className="banner banner-warning" role="status" data-testid="sync-readonly">
          {t('sync.readOnly')}
        </div>
      ) : null}
      {account === null ? (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void syncLogin({ server, username, password }).then((ok) => ok && setPassword(''));
          }}
        >
          <fieldset disabled={busy}>
            <label className="field">
              <span>{t('sync.server')}</span>
              <input type="url" required value={server} onChange={(e) => setServer(e.target.value)} />
            </label>
            <label className="field">
              <span>{t('sync.username')}</span>
              <input required autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} />
            </label>
            <label className="field">
              <span>{t('sync.password')}</span>
              <input type="password" required autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} />
            </label>
            <button type="submit">{t('sync.signIn')}</button>
          </fieldset>
        </form>
      ) : (
        <fieldset disabled={busy}>
          <p>{t('sync.signedInAs', { user: account.username, server: account.server })}</p>
          <button type="button" onClick={() => void syncLogout()}>
            {t('sync.signOut')}
          </button>
        </fieldset>
      )}
      {account !== null && !sync?.linked ? (
        <fieldset disabled={busy}>
          <legend>{t('sync.workspace')}</legend>
          {workspaces.length > 0 ? (
            <label className="field">
              <span>{t('sync.workspace')}</span>
              <select value={chosen} onChange={(e) => setWorkspace(e.target.value)}>
                {workspaces.map((w) => (
                  <option key={w.id} value={w.id}>
                    {w.name}
                  </option>
                ))}
              </select>
            </label>
          ) : null}
          {chosen ? (
            <button type="button" onClick={() => void syncLink(chosen)}>
              {t('sync.link')}
            </button>
          ) : null}
          <label className="field">
            <span>{t('sync.newWorkspace')}</span>
            <input value={newName} onChange={(e) => setNewName(e.target.value)} />
          </label>
          <button type="button" disabled={newName.trim() === ''} onClick={() => void syncLink(slug(newName), newName.trim())}>
            {t('sync.create')}
          </button>
        </fieldset>
      ) : null}
      {sync?.linked ? (
        <fieldset disabled={busy}>
          <legend>{t('sync.status')}</legend>
          <p>{t('sync.linkedTo', { workspace: sync.workspace ?? '' })}</p>
          <dl className="facts">
            <dt>{t('sync.status')}</dt>
            <dd data-testid="sync-state">{t(`sync.states.${sync.state}`)}</dd>
            <dt>{t('sync.live')}</dt>
            <dd data-testid="sync-live">{sync.live ? t('sync.online') : t('sync.offline')}</dd>
            <dt>{t('sync.pending')}</dt>
            <dd data-testid="sync-pending">{sync.pending}</dd>
            <dt>{t('sync.lastSync')}</dt>
            <dd>{sync.lastSyncAt ? formatDateTime(sync.lastSyncAt, i18n.language) : t('sync.never')}</dd>
          </dl>
          {sync.retryAt ? <p className="muted small">{t('sync.retryAt', { time: formatDateTime(sync.retryAt, i18n.language) })}</p> : null}
          <button type="button" onClick={() => void syncNow()}>
            {t('sync.now')}
          </button>
          <button type="button" className="danger" onClick={() => void syncUnlink()}>
            {t('sync.unlink')}
          </button>
        </fieldset>
      ) : null}
    </Dialog>
  );
}

/** A workspace id from the name typed for a new one. */
function slug(name: string): string {
  return name.trim().toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'workspace';
}
