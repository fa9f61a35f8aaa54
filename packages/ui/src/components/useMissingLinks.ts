import { useMemo } from 'react';
import { linkKey } from '../lib/wikiLinks.js';
import { useApp } from './StoreContext.js';

/** The keys of the open entry's `[[links]]` that the engine found no entry for (the preview shows them as missing). */
export function useMissingLinks(): ReadonlySet<string> {
  const links = useApp((s) => (s.links && s.links.entryId === s.selectedId ? s.links.links : undefined));
  return useMemo(() => new Set((links ?? []).filter((link) => link.missing).map((link) => linkKey(link.title))), [links]);
}
