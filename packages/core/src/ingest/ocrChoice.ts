/**
 * Choosing, line by line, which of several OCR languages read a page best. Pure functions: the OCR
 * pool runs the recognitions and asks these which result to keep.
 *
 * Tesseract's own multi-language mode (`eng+chi_sim`) tries the first language on each word and the next
 * only when the first is unsure, and on small or noisy Chinese print English is often sure enough of
 * garbage (`SAMA, BAH, EXE`). Reading with each language alone and keeping, per line, the reading that
 * is in its language's script and confident, gives Chinese the quality of `chi_sim` and English the
 * quality of `eng`.
 */

export interface Box {
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
}

export interface OcrLine {
  readonly text: string;
  /** Tesseract's confidence, 0–100. */
  readonly confidence: number;
  readonly bbox: Box;
}

export type Script = 'Latin' | 'Han';

/** The script a shipped language is written in. */
export const languageScript: Readonly<Record<string, Script>> = { eng: 'Latin', chi_sim: 'Han' };

/** Below this, a reading is not trusted even when it is in the right script. */
export const TRUSTED_CONFIDENCE = 60;

const latin = /\p{Script=Latin}/gu;
const han = /\p{Script=Han}/gu;

/** Share of a text's letters (Latin or Han) that are in `script`; null when it has none. */
export function scriptShare(text: string, script: Script): number | null {
  const latinCount = text.match(latin)?.length ?? 0;
  const hanCount = text.match(han)?.length ?? 0;
  // A Han character carries about as much as a short word: weigh it as three Latin letters.
  const total = latinCount + hanCount * 3;
  if (total === 0) return null;
  return (script === 'Latin' ? latinCount : hanCount * 3) / total;
}

/**
 * Whether a line read in `language` is a reading to keep: confident, and mostly in that language's
 * script (a Latin-only engine reading Chinese produces confident-looking capitals; a Chinese engine
 * reading English produces Latin letters it has seen less of). A line without letters (digits,
 * punctuation) fits when it is confident.
 */
export function fits(line: OcrLine, language: string): boolean {
  if (line.confidence < TRUSTED_CONFIDENCE) return false;
  const script = languageScript[language];
  if (!script) return true;
  const share = scriptShare(line.text, script);
  return share === null || share >= 0.6;
}

/**
 * Whether reading a doubtful line again in `other` could help. A model that writes only Latin letters
 * (English) cannot improve a line that was read as Chinese, only unsure of itself.
 */
export function worthRereading(line: OcrLine, other: string): boolean {
  if (languageScript[other] !== 'Latin') return true;
  return (scriptShare(line.text, 'Han') ?? 0) < 0.6;
}

/** Of two readings of one line, the one to keep: the one that fits its language, else the more confident. */
export function choose(primary: { line: OcrLine; language: string }, other: { line: OcrLine; language: string }): 'primary' | 'other' {
  const primaryFits = fits(primary.line, primary.language);
  const otherFits = fits(other.line, other.language);
  if (primaryFits !== otherFits) return primaryFits ? 'primary' : 'other';
  if (!other.line.text.trim()) return 'primary';
  return other.line.confidence > primary.line.confidence ? 'other' : 'primary';
}

/**
 * The language to read a page in first, from a probe: sample lines read in `first`. When they fit
 * `first`, the page is most likely in it; otherwise it is read in `second` first.
 */
export function primaryLanguage(samples: readonly OcrLine[], first: string, second: string): string {
  const letters = samples.filter((s) => s.text.trim());
  if (letters.length === 0) return first;
  const fitting = letters.filter((s) => fits(s, first)).reduce((n, s) => n + s.text.length, 0);
  const all = letters.reduce((n, s) => n + s.text.length, 0);
  return fitting / all >= 0.5 ? first : second;
}

export function boxArea(b: Box): number {
  return Math.max(0, b.x1 - b.x0) * Math.max(0, b.y1 - b.y0);
}

/** How much of `a` lies inside `b`, 0–1. */
export function overlap(a: Box, b: Box): number {
  const inside = boxArea({ x0: Math.max(a.x0, b.x0), y0: Math.max(a.y0, b.y0), x1: Math.min(a.x1, b.x1), y1: Math.min(a.y1, b.y1) });
  const own = boxArea(a);
  return own === 0 ? 0 : inside / own;
}

/** Lines spread over the page to probe it with, covering at most `maxShare` of its text's area (at least one line). */
export function probeLines<T extends { bbox: Box }>(lines: readonly T[], maxShare = 0.2, maxLines = 3): T[] {
  if (lines.length === 0) return [];
  const total = lines.reduce((n, l) => n + boxArea(l.bbox), 0);
  // Long lines say more than short ones; take them from across the page, not all from its top.
  const largest = Math.max(...lines.map((l) => boxArea(l.bbox)));
  const candidates = lines.filter((l) => boxArea(l.bbox) >= largest / 2).sort((a, b) => a.bbox.y0 - b.bbox.y0);
  const wanted = Math.min(maxLines, candidates.length);
  const picked: T[] = [];
  let covered = 0;
  for (let i = 0; i < wanted; i++) {
    const line = candidates[Math.floor(((i + 0.5) * candidates.length) / wanted)]!;
    if (picked.length > 0 && (covered + boxArea(line.bbox)) / total > maxShare) break;
    picked.push(line);
    covered += boxArea(line.bbox);
  }
  return picked;
}

/**
 * A rectangle around a line, a little larger so that ascenders and descenders are not cut (tesseract
 * clips a rectangle that reaches past the image to the image).
 */
export function padded(b: Box): { left: number; top: number; width: number; height: number } {
  const pad = Math.max(2, Math.round((b.y1 - b.y0) * 0.25));
  const left = Math.max(0, b.x0 - pad);
  const top = Math.max(0, b.y0 - pad);
  return { left, top, width: b.x1 + pad - left, height: b.y1 + pad - top };
}

/**
 * The start of a line, about `heights` line-heights long: a dozen Chinese characters or two or three
 * English words, enough to tell which language reads it, for a fraction of reading the whole line.
 */
export function lineStart(b: Box, heights = 12): Box {
  const height = b.y1 - b.y0;
  return { ...b, x1: Math.min(b.x1, b.x0 + height * heights) };
}
