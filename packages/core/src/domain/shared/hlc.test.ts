import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compareHlc, decodeHlc, encodeHlc, receiveHlc, tickHlc, type Hlc } from './hlc.js';

const hlcArb = fc.record({
  wallMs: fc.integer({ min: 0, max: 4_102_444_800_000 }),
  counter: fc.integer({ min: 0, max: 1000 }),
  node: fc.stringMatching(/^[a-z0-9-]{1,12}$/),
});

describe('hybrid logical clock', () => {
  it('encodes so that string order equals clock order', () => {
    fc.assert(
      fc.property(hlcArb, hlcArb, (a, b) => {
        const byString = Math.sign(encodeHlc(a) < encodeHlc(b) ? -1 : encodeHlc(a) > encodeHlc(b) ? 1 : 0);
        expect(byString).toBe(Math.sign(compareHlc(a, b)));
        expect(decodeHlc(encodeHlc(a))).toEqual(a);
      }),
    );
  });

  it('ticks strictly forward even when the wall clock goes back', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: 1, maxLength: 50 }), (walls) => {
        let last: Hlc | undefined;
        for (const wall of walls) {
          const next = tickHlc(last, wall, 'n');
          if (last) expect(compareHlc(next, last)).toBe(1);
          last = next;
        }
      }),
    );
  });

  it('after receiving, the clock is after both the local and the remote clock', () => {
    fc.assert(
      fc.property(hlcArb, hlcArb, fc.integer({ min: 0, max: 4_102_444_800_000 }), (local, remote, wall) => {
        const next = receiveHlc(local, remote, wall, 'me');
        expect(next.wallMs).toBeGreaterThanOrEqual(wall);
        expect(compareHlc({ ...next, node: '' }, { ...local, node: '' })).toBe(1);
        expect(compareHlc({ ...next, node: '' }, { ...remote, node: '' })).toBe(1);
      }),
    );
  });

  it('rejects malformed encodings', () => {
    expect(decodeHlc('yesterday')).toBeUndefined();
  });
});
