// Window position and size, remembered between launches and kept on a screen that exists.

export interface Rectangle {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface WindowState {
  readonly bounds: Rectangle;
  readonly maximized: boolean;
}

export const MIN_WIDTH = 720;
export const MIN_HEIGHT = 480;

export function defaultWindowState(workArea: Rectangle): WindowState {
  const width = Math.min(1280, workArea.width);
  const height = Math.min(820, workArea.height);
  return {
    bounds: { x: workArea.x + Math.round((workArea.width - width) / 2), y: workArea.y + Math.round((workArea.height - height) / 2), width, height },
    maximized: false,
  };
}

/** Parses saved state; anything malformed gives undefined (the default is used). */
export function parseWindowState(text: string | undefined): WindowState | undefined {
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as { bounds?: Partial<Rectangle>; maximized?: unknown };
    const b = value.bounds;
    const numbers = b && [b.x, b.y, b.width, b.height].every((n) => typeof n === 'number' && Number.isFinite(n));
    if (!b || !numbers) return undefined;
    return { bounds: { x: b.x!, y: b.y!, width: b.width!, height: b.height! }, maximized: value.maximized === true };
  } catch {
    return undefined;
  }
}

function overlap(a: Rectangle, b: Rectangle): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

/**
 * Puts saved bounds back on a display that exists now (a monitor may have been unplugged): on the
 * display it overlaps most, shrunk to fit, and moved inside; with no overlap at all, centred on the first.
 */
export function fitToDisplays(state: WindowState | undefined, workAreas: readonly Rectangle[]): WindowState {
  const primary = workAreas[0] ?? { x: 0, y: 0, width: 1280, height: 820 };
  if (!state) return defaultWindowState(primary);
  const best = [...workAreas].sort((a, b) => overlap(state.bounds, b) - overlap(state.bounds, a))[0];
  if (!best || overlap(state.bounds, best) === 0) return { ...defaultWindowState(primary), maximized: state.maximized };
  const width = Math.max(MIN_WIDTH, Math.min(state.bounds.width, best.width));
  const height = Math.max(MIN_HEIGHT, Math.min(state.bounds.height, best.height));
  const x = Math.min(Math.max(state.bounds.x, best.x), best.x + best.width - width);
  const y = Math.min(Math.max(state.bounds.y, best.y), best.y + best.height - height);
  return { bounds: { x, y, width, height }, maximized: state.maximized };
}

export interface StateFile {
  read(): string | undefined;
  write(text: string): void;
}

/** Saves the state a short while after the last move or resize, and at once on close. */
export function createWindowStateKeeper(file: StateFile, schedule: (fn: () => void, ms: number) => () => void, delayMs = 400) {
  let cancel: (() => void) | undefined;
  let latest: WindowState | undefined;
  const flush = () => {
    cancel?.();
    cancel = undefined;
    if (latest) file.write(JSON.stringify(latest));
  };
  return {
    load: (workAreas: readonly Rectangle[]) => fitToDisplays(parseWindowState(file.read()), workAreas),
    changed(state: WindowState) {
      latest = state;
      cancel?.();
      cancel = schedule(flush, delayMs);
    },
    flush,
  };
}
