import { describe, expect, it } from 'vitest';
import { uuidv7 } from './uuidv7.js';

describe('uuidv7', () => {
  it('is a version-7, variant-10 UUID carrying the millisecond', () => {
    const id = uuidv7(1_700_000_000_123);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(1_700_000_000_123);
  });

  it('sorts in creation order, even many within one millisecond and when the clock steps back', () => {
    const ids: string[] = [];
    for (let i = 0; i < 5_000; i++) ids.push(uuidv7(1_800_000_000_000 + Math.floor(i / 1000) - (i === 2500 ? 5 : 0)));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
