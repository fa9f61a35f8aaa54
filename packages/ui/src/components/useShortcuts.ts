import { useEffect } from 'react';

/** A key combination: `Mod` is Cmd on macOS and Ctrl elsewhere. */
export type Shortcut = string;

export function isMac(): boolean {
  return /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);
}

/** Whether a key event matches "Mod+Shift+K"-style combinations. */
export function matches(event: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey' | 'code'>, shortcut: Shortcut, mac: boolean): boolean {
  const parts = shortcut.split('+');
  const key = parts.pop()!;
  const want = { mod: parts.includes('Mod'), alt: parts.includes('Alt'), shift: parts.includes('Shift') };
  const mod = mac ? event.metaKey : event.ctrlKey;
  if (mod !== want.mod || event.altKey !== want.alt || event.shiftKey !== want.shift) return false;
  if (!mac && event.metaKey) return false;
  // With Alt held, macOS changes `key` (Alt+N is "˜"): compare the physical key as well.
  return event.key.toLowerCase() === key.toLowerCase() || event.code === `Key${key.toUpperCase()}` || event.code === `Digit${key}`;
}

/** Window-wide shortcuts. Handlers run even while typing in a field (they all use a modifier). */
export function useShortcuts(bindings: Record<Shortcut, () => void>): void {
  useEffect(() => {
    const mac = isMac();
    const onKey = (event: KeyboardEvent) => {
      for (const [shortcut, run] of Object.entries(bindings)) {
        if (matches(event, shortcut, mac)) {
          event.preventDefault();
          run();
          return;
        }
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [bindings]);
}
