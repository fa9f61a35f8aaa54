// Runs the engine in a utility process (so the UI never waits on SQLite) and restarts it if it dies.
import type { FromEngineProcess, ToEngineProcess } from '../ipc/contract.js';

/** The part of Electron's UtilityProcess the host uses. */
export interface EngineProcessLike {
  postMessage(message: ToEngineProcess): void;
  on(event: 'message', listener: (message: FromEngineProcess) => void): void;
  on(event: 'exit', listener: (code: number) => void): void;
  kill(): boolean;
}

export interface EngineHostOptions {
  /** Starts the engine process on `dataDir` (undefined: the process chooses, see the engine's chooseDataDir). */
  readonly fork: (dataDir: string | undefined) => EngineProcessLike;
  readonly onMessage: (message: FromEngineProcess) => void;
  /** Called after a restart, so sessions can be reopened. */
  readonly onRestart: () => void;
  readonly schedule: (fn: () => void, ms: number) => void;
  readonly log?: (message: string) => void;
  /** How long a graceful shutdown may take before the process is killed. */
  readonly shutdownTimeoutMs?: number;
  /** Restarts allowed within `restartWindowMs` before giving up. */
  readonly maxRestarts?: number;
  readonly restartWindowMs?: number;
  readonly now?: () => number;
}

export function createEngineHost(options: EngineHostOptions) {
  const log = options.log ?? (() => undefined);
  const now = options.now ?? (() => Date.now());
  const maxRestarts = options.maxRestarts ?? 3;
  const windowMs = options.restartWindowMs ?? 60_000;
  let child: EngineProcessLike | undefined;
  let stopping = false;
  let dataDir: string | undefined;
  /** Where the process that is shutting down for a switch will be restarted. */
  let switchingTo: string | undefined;
  let restarts: number[] = [];
  let backlog: ToEngineProcess[] = [];
  let onStopped: (() => void) | undefined;
  const stopped = () => {
    const done = onStopped;
    onStopped = undefined;
    done?.();
  };

  const start = () => {
    const current = options.fork(dataDir);
    child = current;
    current.on('message', (message) => options.onMessage(message));
    current.on('exit', (code) => {
      if (child !== current) return;
      child = undefined;
      if (stopping) return stopped();
      if (switchingTo !== undefined) return switched();
      const at = now();
      restarts = restarts.filter((t) => at - t < windowMs);
      if (restarts.length >= maxRestarts) {
        log(`the engine process exited with code ${code} ${restarts.length + 1} times in a minute; not restarting`);
        options.onMessage({ kind: 'failed', message: `the engine stopped (exit code ${code})` });
        return;
      }
      restarts.push(at);
      log(`the engine process exited with code ${code}; restarting`);
      options.schedule(() => {
        if (stopping) return;
        start();
        options.onRestart();
      }, 500 * restarts.length);
    });
    for (const message of backlog) current.postMessage(message);
    backlog = [];
  };

  // The old process is gone: the new one starts on the chosen directory, with what the windows sent meanwhile.
  // Windows reload themselves after a switch (their state belongs to the old directory), which opens their sessions.
  const switched = () => {
    dataDir = switchingTo;
    switchingTo = undefined;
    if (!stopping) start();
  };

  return {
    start(initialDataDir?: string) {
      dataDir = initialDataDir;
      start();
    },
    send(message: ToEngineProcess) {
      if (child && switchingTo === undefined) child.postMessage(message);
      else if (!stopping) backlog.push(message);
    },
    /**
     * Restarts the engine process on another data directory: the current one finishes its work in hand and closes its
     * database first (killed if it takes too long), so two processes never hold the same directory's jobs.
     */
    switchTo(next: string) {
      if (stopping) return;
      const current = child;
      const already = switchingTo !== undefined;
      switchingTo = next;
      if (already) return;
      if (!current) return switched();
      current.postMessage({ kind: 'shutdown' });
      options.schedule(() => {
        if (child !== current) return;
        log('the engine process did not exit in time for the switch; killing it');
        current.kill();
        child = undefined;
        switched();
      }, options.shutdownTimeoutMs ?? 5_000);
    },
    /** The data directory main asked for (undefined until a switch: the process chose). */
    get dataDir() {
      return dataDir;
    },
    /**
     * Asks the engine process to finish the work in hand and exit (ingestion jobs complete, the database
     * closes cleanly); kills it if it has not exited in time. `done` runs once it is gone.
     */
    stop(done?: () => void) {
      stopping = true;
      const current = child;
      if (!current) return done?.();
      onStopped = done;
      current.postMessage({ kind: 'shutdown' });
      options.schedule(() => {
        if (child !== current) return;
        log('the engine process did not exit in time; killing it');
        current.kill();
        child = undefined;
        stopped();
      }, options.shutdownTimeoutMs ?? 5_000);
    },
    get running() {
      return child !== undefined;
    },
  };
}
