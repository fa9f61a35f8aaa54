import type { ServerConfig } from '../config.js';
import type { Db } from '../db/db.js';
import type { Bus } from '../fanout/bus.js';
import type { Logger } from '../ops/logger.js';
import type { Metrics } from '../ops/metrics.js';

/** What every service gets: the database, the settings, the clock, logs, metrics and the fan-out bus. */
export interface ServiceContext {
  readonly db: Db;
  readonly config: ServerConfig;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly bus: Bus;
  /** Wall-clock milliseconds (tests move it). */
  readonly now: () => number;
}
