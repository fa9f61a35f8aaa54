import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorLine } from './ErrorLine.js';
import { useActions, useApp } from './StoreContext.js';

/**
 * Where Ask's answers are written: an OpenAI-compatible endpoint and model. Empty means nothing is sent anywhere.
 * The API key is never shown back, only whether one is set.
 */
export function AskSettings() {
  const { t } = useTranslation();
  const settings = useApp((s) => s.askSettings);
  const error = useApp((s) => s.askSettingsError);
  const { loadAskSettings, saveAskSettings } = useActions();
  const [baseUrl, setBaseUrl] = useState('');
  const [model, setModel] = useState('');
  const [apiKey, setApiKey] = useState('');
  const [timeout, setTimeoutSeconds] = useState('');
  const [saved, setSaved] = useState(false);

  useEffect(() => void loadAskSettings(), [loadAskSettings]);
  useEffect(() => {
    if (!settings) return;
    setBaseUrl(settings.baseUrl ?? '');
    setModel(settings.model ?? '');
    setTimeoutSeconds(String(settings.timeoutMs / 1000));
  }, [settings]);

  const save = async () => {
    const seconds = Number(timeout);
    const ok = await saveAskSettings({
      baseUrl: baseUrl.trim() === '' ? null : baseUrl.trim(),
      model: model.trim() === '' ? null : model.trim(),
      ...(apiKey !== '' && { apiKey }),
      ...(Number.isFinite(seconds) && seconds > 0 && { timeoutMs: Math.round(seconds * 1000) }),
    });
    if (ok) setApiKey('');
    setSaved(ok);
  };

  return (
    <fieldset data-testid="ask-settings">
      <legend>{t('ask.settings')}</legend>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <label className="field">
          {t('ask.baseUrl')}
          <input value={baseUrl} placeholder={t('ask.baseUrlPlaceholder')} onChange={(e) => (setBaseUrl(e.target.value), setSaved(false))} />
        </label>
        <label className="field">
          {t('ask.model')}
          <input value={model} placeholder={t('ask.modelPlaceholder')} onChange={(e) => (setModel(e.target.value), setSaved(false))} />
        </label>
        <label className="field">
          {t('ask.apiKey')}
          <input type="password" autoComplete="off" value={apiKey} placeholder={settings?.hasApiKey ? t('ask.apiKeySet') : ''} onChange={(e) => (setApiKey(e.target.value), setSaved(false))} />
        </label>
        <label className="field">
          {t('ask.timeout')}
          <input type="number" min="1" value={timeout} onChange={(e) => (setTimeoutSeconds(e.target.value), setSaved(false))} />
        </label>
        <div className="field-row">
          <button type="submit">{t('ask.save')}</button>
          {settings?.hasApiKey ? (
            <button type="button" onClick={() => void saveAskSettings({ apiKey: null })}>
              {t('ask.clearApiKey')}
            </button>
          ) : null}
          {saved ? <span className="muted small" role="status">{t('ask.saved')}</span> : null}
        </div>
      </form>
      <ErrorLine error={error} />
      <p className="muted small">{t('ask.settingsHint')}</p>
    </fieldset>
  );
}
