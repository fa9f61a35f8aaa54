/**
 * The host thread's background work takes turns: each slice (a catch-up of the agents, storing or committing part of an
 * import, claiming jobs, recording processed documents) runs in a turn of the event loop of its own, whoever asked
 * first. Each of them holding the thread for a few ms was not enough: queued in the same turn (setImmediate runs every
 * callback queued before the turn), five of them made every turn ~50 ms, and a request waited for all of them. Now a
 * turn runs one slice, then the loop polls, so a search or an edit waits for one slice at most. Process-wide: every
 * engine of the process shares the one thread.
 */
const waiting: (() => void)[] = [];
let scheduled = false;

/** Runs `slice` in a turn of the event loop of its own, after the slices asked for before it. */
export function inBackgroundTurn(slice: () => void): void {
  waiting.push(slice);
  if (!scheduled) {
    scheduled = true;
    setImmediate(runOne);
  }
}

/** Resolves in a background turn of its own: `await nextBackgroundTurn()` between the slices of an async task. */
export function nextBackgroundTurn(): Promise<void> {
  return new Promise((resolve) => inBackgroundTurn(resolve));
}

function runOne(): void {
  scheduled = false;
  try {
    waiting.shift()?.();
  } finally {
    // The next slice goes to a later turn, after what this one queued and the I/O that came meanwhile (a request).
    if (waiting.length > 0 && !scheduled) {
      scheduled = true;
      setImmediate(runOne);
    }
  }
}
