import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { canImport } from '../store/importSlice.js';
import { languages, ocrLanguageChoices, themes, type Language, type OcrLanguageChoice, type Theme } from '../store/prefs.js';
import { AskSettings } from './AskSettings.js';
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
  const searchAvailable = useApp((s) => s.methods.includes('modelStatus'));
  const importAvailable = useApp((s) => canImport(s.has));
  const askAvailable = useApp((s) => s.methods.includes('askSettings'));
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
      {searchAvailable ? <ModelSettings /> : null}
      {importAvailable ? <OcrSettings /> : null}
      {askAvailable ? <AskSettings /> : null}
    </Dialog>
  );
}

const languageNames: Record<Language, string> = { en: 'English', 'zh-CN': '简体中文' };

/** The embedding model semantic and hybrid search use: what is there, and getting one. */
function ModelSettings() {
  const { t } = useTranslation();
  const model = useApp((s) => s.model);
  const busy = useApp((s) => s.modelBusy);
  const error = useApp((s) => s.modelError);
  const download = useApp((s) => s.progress['model-download']);
  const embed = useApp((s) => s.progress.embed);
  const { downloadModel, useModel } = useActions();
  const [dir, setDir] = useState('');
  return (
    <fieldset>
      <legend>{t('settings.model')}</legend>
      {model ? (
        <dl className="facts" data-testid="model-status">
          <dt>{t('settings.modelState')}</dt>
          <dd data-state={model.state}>{t(`settings.modelStates.${model.state}`)}</dd>
          {model.name ? (
            <>
              <dt>{t('settings.modelName')}</dt>
              <dd>
                {model.name} {model.dims ? <span className="muted">({t('settings.modelDims', { dims: model.dims })})</span> : null}
              </dd>
            </>
          ) : null}
          <dt>{t('settings.vectors')}</dt>
          <dd>{t('settings.vectorCounts', { embedded: model.vectors.embedded.toLocaleString(), pending: model.vectors.pending.toLocaleString() })}</dd>
        </dl>
      ) : (
        <p className="muted" aria-busy="true">
          {t('settings.loading')}
        </p>
      )}
      {model?.reason ? <p className="muted small">{model.reason}</p> : null}
      {busy && download ? <progress max={download.total} value={download.done} aria-label={t('settings.downloading')} /> : null}
      {embed && embed.done < embed.total ? <progress max={embed.total} value={embed.done} aria-label={t('settings.embedding')} /> : null}
      {error ? (
        <p className="error small" role="alert">
          {error}
        </p>
      ) : null}
      <div className="field-row">
        <button type="button" onClick={() => void downloadModel()} disabled={busy || model?.state === 'ready'} aria-busy={busy}>
          {busy ? t('settings.downloading') : t('settings.download')}
        </button>
      </div>
      <p className="muted small">{t('settings.downloadHint')}</p>
      <form
        className="field-row"
        onSubmit={(e) => {
          e.preventDefault();
          if (dir.trim() !== '') void useModel(dir.trim());
        }}
      >
        <input aria-label={t('settings.modelDir')} placeholder={t('settings.modelDirPlaceholder')} value={dir} onChange={(e) => setDir(e.target.value)} />
        <button type="submit" disabled={busy || dir.trim() === ''}>
          {t('settings.useModel')}
        </button>
      </form>
    </fieldset>
  );
}

/** Which languages images and scans are read in (sent with each import from here on). */
function OcrSettings() {
  const { t } = useTranslation();
  const chosen = useApp((s) => s.prefs.ocrLanguages);
  const { setPrefs } = useActions();
  const toggle = (language: OcrLanguageChoice, on: boolean) => {
    const next = ocrLanguageChoices.filter((l) => (l === language ? on : chosen.includes(l)));
    if (next.length > 0) setPrefs({ ocrLanguages: next });
  };
  return (
    <fieldset>
      <legend>{t('settings.ocr')}</legend>
      {ocrLanguageChoices.map((language) => (
        <label key={language} className="check">
          <input
            type="checkbox"
            checked={chosen.includes(language)}
            // At least one language: the last one cannot be unticked.
            disabled={chosen.length === 1 && chosen.includes(language)}
            onChange={(e) => toggle(language, e.target.checked)}
          />
          {t(`settings.ocrLanguages.${language}`)}
        </label>
      ))}
      <p className="muted small">{t('settings.ocrHint')}</p>
    </fieldset>
  );
}
