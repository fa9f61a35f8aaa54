import { useTranslation } from 'react-i18next';

/**
 * Who made a change, by account and device as the sync server lists them ("alice · Cairn on laptop"). Nothing for a
 * change that never synced (it was made here, by the only person who uses this data directory).
 */
export function Author({ actorName, deviceName }: { readonly actorName: string | null; readonly deviceName: string | null }) {
  const { t } = useTranslation();
  if (actorName === null && deviceName === null) return null;
  const who = [actorName, deviceName].filter((part) => part !== null).join(' · ');
  return <span className="author muted small">{t('team.by', { who })}</span>;
}
