const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => escapes[c]!);
}

/**
 * A search snippet as safe HTML: everything is escaped, then only the engine's `<mark>` and `</mark>`
 * come back as tags. A snippet can hold any text of any document, so nothing else may pass.
 */
export function snippetHtml(snippet: string): string {
  return escapeHtml(snippet).replace(/&lt;(\/?)mark&gt;/g, '<$1mark>');
}
