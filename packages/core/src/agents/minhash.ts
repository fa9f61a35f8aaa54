/**
 * Near-duplicate detection by MinHash over character shingles (pure: no I/O). A text is normalized (NFKC, lower case,
 * Latin diacritics folded, everything but letters, digits and marks dropped — spaces and punctuation too, so OCR's
 * split and merged words and stray dots change nothing), cut into overlapping character shingles (5 characters, or 2
 * where one starts with a Han, kana or Hangul character, which carry about a word each), and summed up in a signature
 * of {@link SIGNATURE_SIZE} minima whose agreement estimates the Jaccard similarity of two texts' shingle sets.
 * Characters rather than words, so Chinese needs no segmenter and an OCR error costs a few shingles, not a word.
 *
 * The signature is one-permutation MinHash (Li, Owen, Zhang 2012) with optimal densification (Shrivastava 2017): one
 * hash per shingle, its top bits choose one of 128 bins and the bin keeps the smallest value; an empty bin borrows the
 * value of the first non-empty bin along a probe sequence that depends on the bin alone. That is O(shingles + bins)
 * instead of O(shingles × 128) for 128 hash functions (the benchmark signs a 148 M-character library at 15–47 MB/s on
 * shared cores), with the same estimator: two signatures agree in a bin with probability J.
 *
 * Candidates come from LSH banding ({@link BANDS} bands of {@link ROWS} rows): two texts share a band key with
 * probability 1 − (1 − J^ROWS)^BANDS: 98% at J = 0.45, 99.6% at 0.5, 68% at 0.3, 4% at 0.1. (32 bands of 4 found
 * only 74% of the pairs at 0.45.)
 */

/** Minima in a signature (bins). */
export const SIGNATURE_SIZE = 128;
/** LSH bands of {@link ROWS} bins each (42 × 3 = 126 of the 128 bins): candidates from J ≈ 0.3 on. */
export const BANDS = 42;
export const ROWS = 3;
/**
 * Estimated Jaccard from which two texts are near copies, chosen by measurement (`cairn bench duplicates`,
 * BENCHMARKS.md): a tenth of the words changed gives ~0.6–0.75, a fifth ~0.45–0.6, a third 0.3–0.45, half ~0.2;
 * unrelated texts of the same kind stay below ~0.15. At 0.4 every copy with a fifth of its words changed is found,
 * half to most of those with 30%, none with 50%, and no unrelated pair.
 */
export const NEAR_DUPLICATE_THRESHOLD = 0.4;
/** Agreeing bins that make a near copy: the threshold in bins. */
export const NEAR_DUPLICATE_MATCHES = Math.ceil(NEAR_DUPLICATE_THRESHOLD * SIGNATURE_SIZE);
/**
 * Texts shorter than this (normalized, a Han, kana or Hangul character counted as three) are never compared: two
 * short notes share most of their few shingles by chance ("Call Anna", "Call Hanna").
 */
export const MIN_COMPARED_LENGTH = 300;

const LATIN_WIDTH = 5;
const CJK_WIDTH = 2;

export type Signature = Uint32Array;

/** The text as shingles see it: NFKC, lower case, Latin diacritics folded, only letters, digits and marks kept. */
export function normalizeForShingles(text: string): string {
  const units = shingleUnits(text);
  let out = '';
  for (let i = 0; i < units.length; i += 8192) out += String.fromCharCode(...units.subarray(i, i + 8192));
  return out;
}

/**
 * {@link normalizeForShingles} as UTF-16 code units. Most text is ASCII, which NFKC leaves alone: it is lower-cased
 * and filtered in one scan (a regular expression's replace ran at ~13 MB/s here, the scan at hundreds).
 */
export function shingleUnits(text: string): Uint16Array {
  const ascii = asciiOnly.test(text);
  let folded = text;
  if (!ascii) {
    folded = text.normalize('NFKC').toLowerCase();
    if (latinWithDiacritics.test(folded)) folded = folded.normalize('NFD').replace(/(?<=\p{Script=Latin})\p{Mn}+/gu, '').normalize('NFC');
  }
  const units = new Uint16Array(folded.length);
  let n = 0;
  for (let i = 0; i < folded.length; i++) {
    const c = folded.charCodeAt(i);
    if (c < 0x80) {
      if ((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39)) units[n++] = c;
      else if (c >= 0x41 && c <= 0x5a) units[n++] = c + 0x20;
    } else if (isCjkUnit(c) && c < 0xd800) {
      units[n++] = c;
    } else {
      // Anything else is looked at as a code point (a surrogate pair kept whole): letters, digits and marks stay.
      const point = folded.codePointAt(i)!;
      const width = point > 0xffff ? 2 : 1;
      if (wordCharacter.test(String.fromCodePoint(point))) for (let k = 0; k < width; k++) units[n++] = folded.charCodeAt(i + k);
      i += width - 1;
    }
  }
  return units.subarray(0, n);
}

const wordCharacter = /^[\p{L}\p{N}\p{M}]$/u;
const asciiOnly = /^[\x00-\x7f]*$/;
/** Latin-1 Supplement to Latin Extended Additional, where precomposed accented Latin letters are. */
const latinWithDiacritics = /[\u00c0-\u024f\u1e00-\u1eff]/;

/** Han (with extension A and compatibility ideographs), kana, Hangul syllables, and surrogates of the supplementary ideographs. */
function isCjkUnit(code: number): boolean {
  return (
    (code >= 0x3040 && code <= 0x30ff) ||
    (code >= 0x3400 && code <= 0x9fff) ||
    (code >= 0xac00 && code <= 0xd7af) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xd840 && code <= 0xd87f)
  );
}

/** False for a text too short to reach {@link MIN_COMPARED_LENGTH} whatever it holds (most notes): a length check. */
export function mayBeCompared(text: string): boolean {
  return text.length * 3 >= MIN_COMPARED_LENGTH;
}

/** A normalized text's length as {@link MIN_COMPARED_LENGTH} counts it. */
export function comparedLength(units: Uint16Array): number {
  let length = 0;
  for (let i = 0; i < units.length; i++) length += isCjkUnit(units[i]!) ? 3 : 1;
  return length;
}

/** Murmur3's 32-bit finalizer: a bijection that mixes every input bit into every output bit. */
function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Calls `sink` with the 32-bit hash of each shingle of a normalized text (a polynomial over its UTF-16 units, mixed). A
 * text shorter than one shingle is one shingle.
 */
export function forEachShingleHash(units: Uint16Array, sink: (hash: number) => void): void {
  const n = units.length;
  for (let i = 0; i < n; i++) {
    const end = i + (isCjkUnit(units[i]!) ? CJK_WIDTH : LATIN_WIDTH);
    if (end > n && i > 0) break;
    sink(shingleHash(units, i, end));
  }
}

/** A shingle's hash: the polynomial Σ unit·B^(end−1−k) mod 2³² (rollable, see {@link signUnits}), mixed. */
function shingleHash(units: Uint16Array, start: number, end: number): number {
  let h = 0;
  for (let j = start; j < end && j < units.length; j++) h = (Math.imul(h, BASE) + units[j]!) | 0;
  return mix32(h);
}

const BASE = 0x01000193;
/** BASE^(LATIN_WIDTH − 1) mod 2³², to roll a Latin shingle's hash one unit on. */
const BASE_POWER = Array.from({ length: LATIN_WIDTH - 1 }).reduce<number>((power) => Math.imul(power, BASE), 1);

const EMPTY = 0xffffffff;

/**
 * The MinHash signature of a text (see the module comment), or undefined when the text is shorter than
 * {@link MIN_COMPARED_LENGTH}: such texts are never compared.
 */
export function signText(text: string): Signature | undefined {
  if (!mayBeCompared(text)) return undefined;
  const units = shingleUnits(text);
  if (comparedLength(units) < MIN_COMPARED_LENGTH) return undefined;
  return signUnits(units);
}

/** The signature of a normalized text ({@link shingleUnits}); its shingles are {@link forEachShingleHash}'s. */
export function signUnits(units: Uint16Array): Signature {
  const bins = new Uint32Array(SIGNATURE_SIZE).fill(EMPTY);
  const filled = new Uint8Array(SIGNATURE_SIZE);
  const n = units.length;
  if (n === 0) return bins;
  const keep = (hash: number) => {
    // The top 7 bits choose the bin, the other 25 are the value: inside a bin, the smallest value is the smallest hash.
    const bin = hash >>> 25;
    const value = hash & 0x1ffffff;
    filled[bin] = 1;
    if (value < bins[bin]!) bins[bin] = value;
  };
  let cjk = false;
  for (let i = 0; i < n && !cjk; i++) cjk = isCjkUnit(units[i]!);
  if (!cjk && n >= LATIN_WIDTH) {
    // Every shingle is LATIN_WIDTH units: the hash rolls on (the same values shingleHash computes, 4× fewer steps).
    let h = 0;
    for (let j = 0; j < LATIN_WIDTH; j++) h = (Math.imul(h, BASE) + units[j]!) | 0;
    keep(mix32(h));
    for (let i = 1; i + LATIN_WIDTH <= n; i++) {
      h = (Math.imul((h - Math.imul(units[i - 1]!, BASE_POWER)) | 0, BASE) + units[i + LATIN_WIDTH - 1]!) | 0;
      keep(mix32(h));
    }
  } else {
    for (let i = 0; i < n; i++) {
      const end = i + (isCjkUnit(units[i]!) ? CJK_WIDTH : LATIN_WIDTH);
      if (end > n && i > 0) break;
      keep(shingleHash(units, i, end));
    }
  }
  for (let i = 0; i < SIGNATURE_SIZE; i++) {
    if (filled[i]) continue;
    // Optimal densification: the probe sequence depends on the bin and the attempt only, the same for every text.
    for (let attempt = 1; ; attempt++) {
      const j = attempt <= 4096 ? mix32(Math.imul(i + 1, 0x9e3779b1) ^ Math.imul(attempt, 0x7feb352d)) & (SIGNATURE_SIZE - 1) : (i + attempt) & (SIGNATURE_SIZE - 1);
      if (filled[j]) {
        bins[i] = bins[j]!;
        break;
      }
    }
  }
  return bins;
}

/** How many bins of two signatures agree. */
export function agreeingBins(a: Signature, b: Signature): number {
  let same = 0;
  for (let i = 0; i < SIGNATURE_SIZE; i++) if (a[i] === b[i]) same++;
  return same;
}

/** {@link agreeingBins} against a stored signature ({@link signatureToBytes}), read in place where it can be. */
export function agreeingBytes(a: Signature, bytes: Buffer): number {
  let same = 0;
  if (littleEndian && bytes.byteOffset % 4 === 0 && bytes.byteLength === SIGNATURE_SIZE * 4) {
    const b = new Uint32Array(bytes.buffer, bytes.byteOffset, SIGNATURE_SIZE);
    for (let i = 0; i < SIGNATURE_SIZE; i++) if (a[i] === b[i]) same++;
    return same;
  }
  for (let i = 0; i < SIGNATURE_SIZE; i++) if (a[i] === bytes.readUInt32LE(i * 4)) same++;
  return same;
}

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The estimated Jaccard similarity of the two texts' shingle sets, 0..1. */
export function estimatedJaccard(a: Signature, b: Signature): number {
  return agreeingBins(a, b) / SIGNATURE_SIZE;
}

/**
 * The signature's LSH band keys: one per band, a 53-bit integer (exact in a JavaScript number and a SQLite INTEGER)
 * hashed from the band's number and its rows. Two texts are candidates when they share a key.
 */
export function bandKeys(signature: Signature): number[] {
  const keys: number[] = [];
  for (let band = 0; band < BANDS; band++) {
    let h1 = mix32(band + 1);
    let h2 = mix32(band + 0x51ed27);
    for (let row = 0; row < ROWS; row++) {
      const value = signature[band * ROWS + row]!;
      h1 = mix32(Math.imul(h1 ^ value, 0x01000193));
      h2 = mix32(Math.imul(h2 + value, 0x2c1b3c6d) ^ 0x297a2d39);
    }
    keys.push(h1 * 2 ** 21 + (h2 >>> 11));
  }
  return keys;
}

/** A signature as bytes (little-endian), for storage. */
export function signatureToBytes(signature: Signature): Buffer {
  const bytes = Buffer.alloc(SIGNATURE_SIZE * 4);
  for (let i = 0; i < SIGNATURE_SIZE; i++) bytes.writeUInt32LE(signature[i]!, i * 4);
  return bytes;
}

export function signatureFromBytes(bytes: Uint8Array): Signature {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const signature = new Uint32Array(SIGNATURE_SIZE);
  for (let i = 0; i < SIGNATURE_SIZE; i++) signature[i] = view.readUInt32LE(i * 4);
  return signature;
}
