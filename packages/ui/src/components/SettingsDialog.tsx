import { useTranslation } from 'react-i18next';
import { languages, themes, type Language, type Theme } from '../store/prefs.js';
import { Dialog } from './Dialog.js';
import { useActions, useApp } from './StoreContext.js';

/**
 * Settings: theme, language, and where the data lives. Model and OCR settings appear here when the
 * engine offers them (search and ingestion); nothing is shown for what the engine cannot do.
 */
export function SettingsDialog() {
  const { t } = useTranslation();
  const open = useApp((s) => s.settingsOpen);
  const prefs = useApp((s) => s.prefs);
  const status = useApp((s) => s.status);
  const { openSettings, setPrefs } = useActions();
  return (
    <Dialog open={open} label={t('settings.title')} onClose={() => openSettings(false)} className="settings">
      <div className="panel-header">
        <h2>{t('settings.title')}</h2>
        <button type="button" className="icon-button" aria-label={t('settings.close')} onClick={() => openSettings(false)}>
          ×
        </button>
      </div>
      <fieldset>
        <legend>{t('settings.appearance')}</legend>
        <label className="field">
          <span>{t('settings.theme')}</span>
          <select value={prefs.theme} onChange={(e) => setPrefs({ theme: e.target.value as Theme })}>
            {themes.map((theme) => (
              <option key={theme} value={theme}>
                {t(`settings.themes.${theme}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('settings.language')}</span>
          <select value={prefs.language} onChange={(e) => setPrefs({ language: e.target.value as Language })}>
            {languages.map((language) => (
              <option key={language} value={language} lang={language}>
                {languageNames[language]}
              </option>
            ))}
          </select>
        </label>
      </fieldset>
      <fieldset>
        <legend>{t('settings.data')}</legend>
        {status ? (
          <dl className="facts">
            <dt>{t('settings.dataDir')}</dt>
            <dd>
              <code data-testid="data-dir">{status.dataDir}</code>
            </dd>
            <dt>{t('settings.entries')}</dt>
            <dd>{status.entries.toLocaleString()}</dd>
            <dt>{t('settings.events')}</dt>
            <dd>{status.events.toLocaleString()}</dd>
            <dt>{t('settings.device')}</dt>
            <dd>
              <code>{status.deviceId}</code>
            </dd>
          </dl>
        ) : (
          <p className="muted" aria-busy="true">
            {t('settings.loading')}
          </p>
        )}
        <p className="muted small">{t('settings.dataDirHint')}</p>
      </fieldset>
    </Dialog>
  );
}

const languageNames: Record<Language, string> = { en: 'English', 'zh-CN': '简体中文' };
