import { describe, expect, it } from 'vitest';
import { shingleUnits, bandKeys, BANDS, estimatedJaccard, forEachShingleHash, MIN_COMPARED_LENGTH, normalizeForShingles, signatureFromBytes, signatureToBytes, signUnits, signText } from './minhash.js';

const long = [
  'The tenant pays the rent on the first day of each month, by bank transfer to the account named below.',
  'Repairs to the heating and the kitchen window are the landlord’s; the garden is the tenant’s to keep.',
  'Either party may end this agreement with three months’ written notice, given before the first of a month.',
  'The deposit is returned within thirty days of the end of the lease, less the cost of any damage found at inspection.',
  'Keys are handed over on the day the lease begins and returned, all of them, on the day it ends.',
].join(' ');

function shingles(text: string): Set<number> {
  const set = new Set<number>();
  forEachShingleHash(shingleUnits(text), (h) => set.add(h));
  return set;
}

function exactJaccard(a: Set<number>, b: Set<number>): number {
  let both = 0;
  for (const h of a) if (b.has(h)) both++;
  return both / (a.size + b.size - both);
}

describe('normalizeForShingles', () => {
  it('folds width, case and Latin accents, and drops spaces and punctuation', () => {
    expect(normalizeForShingles('Ｃａｆé  au LAIT, s’il vous plaît!')).toBe('cafeaulaitsilvousplait');
    expect(normalizeForShingles('合同，第 1 条：甲方。')).toBe('合同第1条甲方');
    // An OCR'd line with a split word and stray dots reads like the typed one.
    expect(normalizeForShingles('the ten ant pays.. the rent')).toBe(normalizeForShingles('the tenant pays the rent'));
  });
});

describe('signText', () => {
  it('signs nothing below the minimum length, counting a Han character as three', () => {
    expect(signText('Call Anna about the lease.')).toBeUndefined();
    expect(signText('x'.repeat(MIN_COMPARED_LENGTH))).toBeDefined();
    expect(signText('合'.repeat(MIN_COMPARED_LENGTH / 3))).toBeDefined();
    expect(signText('合'.repeat(MIN_COMPARED_LENGTH / 3 - 1))).toBeUndefined();
  });

  it('gives the same signature to the same text, whatever its spacing and case', () => {
    const a = signText(long)!;
    const b = signText(long.toUpperCase().replace(/ /g, '   '))!;
    expect(estimatedJaccard(a, b)).toBe(1);
    expect(signatureFromBytes(signatureToBytes(a))).toEqual(a);
  });

  it('estimates the Jaccard similarity of the shingle sets within three standard errors (0.13 at 128 bins)', () => {
    const words = long.split(' ');
    for (const changed of [3, 8, 15]) {
      const edited = words.map((w, i) => (i % Math.floor(words.length / changed) === 0 ? `zq${w}` : w)).join(' ');
      const exact = exactJaccard(shingles(long), shingles(edited));
      expect(exact).toBeLessThan(1);
      expect(Math.abs(estimatedJaccard(signText(long)!, signText(edited)!) - exact)).toBeLessThan(0.13);
    }
  });

  it('fills every bin of a short text (densification), so two short copies still agree everywhere', () => {
    const text = shingleUnits('A short but long enough text about nothing in particular. '.repeat(6));
    const signature = signUnits(text);
    expect(new Set(signature).size).toBeGreaterThan(1);
    expect(signature.every((v) => v !== 0xffffffff)).toBe(true);
  });
});

describe('bandKeys', () => {
  it('gives identical texts the same keys and unrelated ones (almost) none in common', () => {
    const a = signText(long)!;
    expect(bandKeys(a)).toEqual(bandKeys(signText(long)!));
    expect(bandKeys(a)).toHaveLength(BANDS);
    const other = signText('Minutes of the library committee: the new reading room opens in spring, with longer evening hours for students and a quiet corner for children. '.repeat(3))!;
    const shared = bandKeys(a).filter((k) => bandKeys(other).includes(k));
    expect(shared.length).toBeLessThanOrEqual(1);
    for (const key of bandKeys(a)) expect(Number.isSafeInteger(key)).toBe(true);
  });
});
