import { useTranslation } from 'react-i18next';
import { useApp } from './StoreContext.js';

/** Says so when the engine is out of reach (web mode's server stopped); the transport keeps retrying. */
export function ConnectionBanner() {
  const { t } = useTranslation();
  const connection = useApp((s) => s.connection);
  if (connection !== 'closed') return null;
  return (
    <div className="banner banner-warning" role="alert">
      {t('connection.lost')}
    </div>
  );
}
