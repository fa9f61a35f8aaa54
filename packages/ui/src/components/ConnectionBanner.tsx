import { useTranslation } from 'react-i18next';
import { useApp } from './StoreContext.js';

/** Says so when the engine is out of reach (web mode's server stopped); the transport keeps retrying. */
export function ConnectionBanner() {
  const { t } = useTranslation();
  const connection = useApp((s) => s.connection);
  const connectedOnce = useApp((s) => s.connectedOnce);
  if (connection !== 'closed') return null;
  return (
    <div className="banner banner-warning" role="alert">
      {connectedOnce ? t('connection.lost') : t('connection.never')}
    </div>
  );
}
