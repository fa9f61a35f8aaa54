/**
 * Hybrid logical clock (Kulkarni et al.): a wall-clock millisecond, a counter for events within the
 * same millisecond (or when the wall clock runs behind), and the node (device) id as tie-breaker.
 *
 * Pure functions: the caller passes the wall time in. Encoded as a fixed-width string so that
 * comparing two encoded clocks as strings orders them exactly like {@link compareHlc}.
 */
export interface Hlc {
  readonly wallMs: number;
  readonly counter: number;
  readonly node: string;
}

const WALL_WIDTH = 15;
const COUNTER_WIDTH = 6;
const MAX_COUNTER = 36 ** COUNTER_WIDTH - 1;

export function encodeHlc(clock: Hlc): string {
  return `${clock.wallMs.toString().padStart(WALL_WIDTH, '0')}:${clock.counter.toString(36).padStart(COUNTER_WIDTH, '0')}:${clock.node}`;
}

export function decodeHlc(encoded: string): Hlc | undefined {
  const match = /^(\d{15}):([0-9a-z]{6}):(.+)$/.exec(encoded);
  if (!match) return undefined;
  return { wallMs: Number(match[1]), counter: parseInt(match[2]!, 36), node: match[3]! };
}

export function compareHlc(a: Hlc, b: Hlc): number {
  if (a.wallMs !== b.wallMs) return a.wallMs < b.wallMs ? -1 : 1;
  if (a.counter !== b.counter) return a.counter < b.counter ? -1 : 1;
  return a.node < b.node ? -1 : a.node > b.node ? 1 : 0;
}

/** The clock for a new local event, strictly after `last`. */
export function tickHlc(last: Hlc | undefined, wallMs: number, node: string): Hlc {
  if (!last || wallMs > last.wallMs) return { wallMs, counter: 0, node };
  return bump(last.wallMs, last.counter, node);
}

/** The local clock after seeing a remote event: after both the local and the remote clock. */
export function receiveHlc(local: Hlc | undefined, remote: Hlc, wallMs: number, node: string): Hlc {
  const localWall = local?.wallMs ?? -1;
  const localCounter = local?.counter ?? 0;
  const maxWall = Math.max(localWall, remote.wallMs, wallMs);
  if (maxWall === localWall && maxWall === remote.wallMs) return bump(maxWall, Math.max(localCounter, remote.counter), node);
  if (maxWall === localWall) return bump(maxWall, localCounter, node);
  if (maxWall === remote.wallMs) return bump(maxWall, remote.counter, node);
  return { wallMs, counter: 0, node };
}

function bump(wallMs: number, counter: number, node: string): Hlc {
  // The counter is bounded by its encoding; past it, borrow a millisecond (the clock stays monotonic).
  return counter + 1 > MAX_COUNTER ? { wallMs: wallMs + 1, counter: 0, node } : { wallMs, counter: counter + 1, node };
}
