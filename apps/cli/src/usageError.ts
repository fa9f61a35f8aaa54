import { ValidationError } from '@cairn/core';

/** A mistake in how the command was called; the message says how to call it right. */
export function usageError(message: string, usage?: string): ValidationError {
  const full = usage === undefined ? undefined : usage.startsWith('cairn ') ? usage : `cairn ${usage}`;
  return new ValidationError(full ? `${message} (usage: ${full})` : message, { usage: full ?? null });
}
