/** Preferences of this UI (not engine data): kept in the browser's storage, per origin. */
export const themes = ['system', 'light', 'dark'] as const;
export type Theme = (typeof themes)[number];
export const languages = ['en', 'zh-CN'] as const;
export type Language = (typeof languages)[number];

/**
 * OCR languages the engine ships (tesseract data from @tesseract.js-data, see core's `ocrLanguages`).
 * The engine checks what it is sent, so a list that falls behind fails loudly, not silently.
 */
export const ocrLanguageChoices = ['eng', 'chi_sim'] as const;
export type OcrLanguageChoice = (typeof ocrLanguageChoices)[number];

export interface Prefs {
  readonly theme: Theme;
  readonly language: Language;
  /** Width of the library column, in pixels. */
  readonly listWidth: number;
  readonly showPreview: boolean;
  /** Languages to read images and scans in; sent with every import from this UI. */
  readonly ocrLanguages: readonly OcrLanguageChoice[];
}

export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

const KEY = 'cairn.prefs.v1';

export function defaultLanguage(navigatorLanguage: string | undefined): Language {
  return navigatorLanguage?.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

export function loadPrefs(storage: KeyValueStorage | undefined, navigatorLanguage?: string): Prefs {
  const fallback: Prefs = { theme: 'system', language: defaultLanguage(navigatorLanguage), listWidth: 340, showPreview: true, ocrLanguages: ['eng', 'chi_sim'] };
  try {
    const raw = storage?.getItem(KEY);
    if (!raw) return fallback;
    const saved = JSON.parse(raw) as Partial<Record<keyof Prefs, unknown>>;
    return {
      theme: (themes as readonly unknown[]).includes(saved.theme) ? (saved.theme as Theme) : fallback.theme,
      language: (languages as readonly unknown[]).includes(saved.language) ? (saved.language as Language) : fallback.language,
      listWidth: typeof saved.listWidth === 'number' && saved.listWidth >= 220 && saved.listWidth <= 800 ? saved.listWidth : fallback.listWidth,
      showPreview: typeof saved.showPreview === 'boolean' ? saved.showPreview : fallback.showPreview,
      ocrLanguages: validLanguages(saved.ocrLanguages) ?? fallback.ocrLanguages,
    };
  } catch {
    return fallback;
  }
}

export function savePrefs(storage: KeyValueStorage | undefined, prefs: Prefs): void {
  try {
    storage?.setItem(KEY, JSON.stringify(prefs));
  } catch {
    // storage full or disabled: preferences last for this session only
  }
}

function validLanguages(value: unknown): OcrLanguageChoice[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const list = ocrLanguageChoices.filter((l) => value.includes(l));
  return list.length > 0 ? list : undefined;
}
