// Background slices take turns of the event loop: what other work queued meanwhile runs between them.
import { describe, expect, it } from 'vitest';
import { inBackgroundTurn, nextBackgroundTurn } from './backgroundTurns.js';

describe('background turns', () => {
  it('runs one slice per turn of the event loop, in the order asked, with other work queued by a slice served before the next slice', async () => {
    const order: string[] = [];
    const done = new Promise<void>((resolve) => {
      inBackgroundTurn(() => {
        order.push('catch-up slice');
        // A request's callback queued while the slice runs (as an I/O callback would be) goes before the next slice.
        setImmediate(() => order.push('request'));
      });
      inBackgroundTurn(() => order.push('import slice'));
      void (async () => {
        await nextBackgroundTurn();
        order.push('claim slice');
        resolve();
      })();
    });
    await done;
    expect(order).toEqual(['catch-up slice', 'request', 'import slice', 'claim slice']);
  });

  it('with setImmediate alone, every slice queued before the turn runs before that request (what the turns avoid)', async () => {
    const order: string[] = [];
    await new Promise<void>((resolve) => {
      setImmediate(() => {
        order.push('catch-up slice');
        setImmediate(() => {
          order.push('request');
          resolve();
        });
      });
      setImmediate(() => order.push('import slice'));
    });
    expect(order).toEqual(['catch-up slice', 'import slice', 'request']);
  });
});
