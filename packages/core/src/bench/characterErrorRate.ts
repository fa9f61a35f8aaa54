/**
 * Character error rate: edit distance (insertions, deletions, substitutions) between the recognized
 * text and the reference, divided by the reference's length. Whitespace runs count as one space, and
 * spaces next to CJK characters are ignored (Chinese has none).
 */
export function characterErrorRate(recognized: string, reference: string): number {
  const normalize = (text: string) =>
    [
      ...text
        .replace(/\s+/g, ' ')
        .replace(/ ?([\p{Script=Han}\u3000-\u303f\uff00-\uffef]) ?/gu, '$1')
        .trim(),
    ];
  const a = normalize(recognized);
  const b = normalize(reference);
  if (b.length === 0) return a.length === 0 ? 0 : 1;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]! / b.length;
}
