import type { Statement } from 'better-sqlite3';
import { ValidationError } from '../errors/cairnError.js';
import type { Database } from '../store/database.js';

/** The agents whose suggestions a person can dismiss; the key says which suggestion (a tag, an entry id, a title). */
export const suggestionAgents = ['tags', 'related', 'duplicates', 'links'] as const;
export type SuggestionAgent = (typeof suggestionAgents)[number];

export interface Dismissal {
  readonly entryId: string;
  readonly agent: SuggestionAgent;
  readonly key: string;
}

/**
 * Suggestions a person dismissed, remembered on this device (table `dismissed_suggestions`, schema migration 3).
 * Not events and not a read model: a dismissal is a preference about what to be shown, not knowledge, so it stays
 * out of the log, the digest and rebuilds (which leave it alone). Accepting a suggestion is an ordinary command.
 */
export class Dismissals {
  private readonly put: Statement;
  private readonly remove: Statement;
  private readonly keys: Statement;

  constructor(db: Database) {
    this.put = db.prepare(`INSERT OR IGNORE INTO dismissed_suggestions (entry_id, agent, key, dismissed_at) VALUES (?, ?, ?, ?)`);
    this.remove = db.prepare(`DELETE FROM dismissed_suggestions WHERE entry_id = ? AND agent = ? AND key = ?`);
    this.keys = db.prepare(`SELECT key FROM dismissed_suggestions WHERE entry_id = ? AND agent = ?`).pluck();
  }

  dismiss({ entryId, agent, key }: Dismissal, now = Date.now()): void {
    this.put.run(entryId, checkAgent(agent), key, now);
  }

  /** Shows a dismissed suggestion again. */
  undo({ entryId, agent, key }: Dismissal): void {
    this.remove.run(entryId, checkAgent(agent), key);
  }

  /** The keys of an entry's dismissed suggestions from one agent. */
  dismissed(entryId: string, agent: SuggestionAgent): Set<string> {
    return new Set(this.keys.all(entryId, checkAgent(agent)) as string[]);
  }
}

function checkAgent(agent: string): SuggestionAgent {
  if (!(suggestionAgents as readonly string[]).includes(agent)) {
    throw new ValidationError(`unknown suggestion agent "${agent}" (one of ${suggestionAgents.join(', ')})`, { agent });
  }
  return agent as SuggestionAgent;
}
