import { franc } from 'franc-min';
import { joinCjk } from './cjk.js';

export { joinCjk };

export interface FinishedText {
  readonly text: string;
  readonly chars: number;
  readonly language: string | null;
}

/** ISO 639-3 (what franc returns) to ISO 639-1 where one exists; others stay 639-3 (still BCP 47). */
const iso6391: Record<string, string> = {
  eng: 'en', cmn: 'zh', spa: 'es', fra: 'fr', deu: 'de', por: 'pt', rus: 'ru', jpn: 'ja', kor: 'ko', ita: 'it', nld: 'nl', pol: 'pl',
  ukr: 'uk', tur: 'tr', vie: 'vi', arb: 'ar', hin: 'hi', ben: 'bn', ind: 'id', zlm: 'ms', tha: 'th', fas: 'fa', pes: 'fa', ron: 'ro',
  ces: 'cs', hun: 'hu', swe: 'sv', ell: 'el', heb: 'he', azj: 'az', uzn: 'uz', tam: 'ta', tel: 'te', mar: 'mr', urd: 'ur',
  guj: 'gu', kan: 'kn', mal: 'ml', pan: 'pa', amh: 'am', hau: 'ha', yor: 'yo', ibo: 'ig', swh: 'sw', som: 'so', zul: 'zu', xho: 'xh',
  bel: 'be', bul: 'bg', srp: 'sr', hrv: 'hr', slk: 'sk', kin: 'rw', run: 'rn', nep: 'ne', sin: 'si', khm: 'km', mya: 'my', ckb: 'ckb',
  tgl: 'tl', ceb: 'ceb', kaz: 'kk', tat: 'tt', uig: 'ug', ory: 'or', npi: 'ne', plt: 'mg', nya: 'ny', sna: 'sn', aka: 'ak',
};

/**
 * The languages franc chooses among: the most written ones. Comparing a text against every language
 * franc knows costs about a millisecond per document, most of an import's CPU time for small files.
 */
const commonLanguages = ['eng', 'cmn', 'spa', 'fra', 'deu', 'por', 'rus', 'jpn', 'kor', 'ita', 'nld', 'pol', 'ukr', 'tur', 'vie', 'arb', 'hin', 'ind', 'swe', 'ces', 'ell', 'heb', 'tha', 'pes', 'ron', 'hun'];

/**
 * Extracted text as stored: Unix newlines, no control characters (other than tab and newline), NFC.
 * With `verbatim` (plain text and Markdown files) nothing else changes, so a clean UTF-8 file's text is
 * byte-identical to the file and shares its blob; otherwise trailing spaces go and runs of blank lines
 * shrink to one.
 */
export function finishText(raw: string, options: { verbatim?: boolean } = {}): FinishedText {
  let text = raw.replace(/\r\n?/g, '\n').replace(/\f/g, '\n').replace(/[\u0000-\u0008\u000b\u000e-\u001f\u007f\ufffe\uffff]/g, '');
  if (!isNfc(text)) text = text.normalize('NFC');
  if (!options.verbatim) {
    text = text
      .replace(/[ \t\u00a0]+$/gm, '')
      .replace(/\n{3,}/g, '\n\n')
      .trim();
    if (text.length > 0) text += '\n';
  }
  return { text, chars: text.length, language: detectLanguage(text) };
}

function isNfc(text: string): boolean {
  // Pure ASCII is always NFC; skip the normalization pass for it.
  return !/[^\u0000-\u007f]/.test(text) || text === text.normalize('NFC');
}

/** The language of a text (a sample from its start is enough), or null when too short to tell. */
export function detectLanguage(text: string): string | null {
  const sample = text.slice(0, 600);
  const letters = sample.replace(/[\s\d\p{P}\p{S}]/gu, '');
  if (letters.length < 8) return null;
  // franc needs more text for Latin scripts than for CJK, where a few characters decide.
  const hanCount = (letters.match(/\p{Script=Han}/gu) ?? []).length;
  if (hanCount >= letters.length * 0.3 && !/[\u3040-\u30ff]/u.test(letters)) return 'zh';
  // Below a few words franc guesses wildly (a short English title comes out as Portuguese).
  if (letters.length < 40) return null;
  const code = franc(sample, { minLength: 10, only: commonLanguages });
  if (code === 'und') return null;
  return iso6391[code] ?? code;
}
