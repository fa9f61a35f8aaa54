import { useTranslation } from 'react-i18next';
import { useApp } from './StoreContext.js';

/** Messages that come and go; announced politely to screen readers, errors assertively. */
export function Toasts() {
  const { t } = useTranslation();
  const toasts = useApp((s) => s.toasts);
  const dismiss = useApp((s) => s.dismissToast);
  return (
    <div className="toasts" role="region" aria-label={t('toasts.label')}>
      {toasts.map((toast) => (
        <div key={toast.id} className={`toast toast-${toast.kind}`} role={toast.kind === 'error' ? 'alert' : 'status'}>
          <span>
            {t(toast.key, toast.values ?? {})}
            {toast.detail ? <span className="toast-detail">{toast.detail}</span> : null}
          </span>
          <button type="button" className="icon-button" aria-label={t('toasts.dismiss')} onClick={() => dismiss(toast.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
