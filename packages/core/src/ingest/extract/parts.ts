/** A piece of a document's text, in reading order: text, or an image (a page) still to be OCR'd. */
export type Part = { readonly text: string } | { readonly image: string; readonly page: number | null };

export interface Extracted {
  readonly mimeType: string;
  readonly pageCount: number | null;
  readonly parts: Part[];
  readonly warnings: string[];
  /** Plain text and Markdown: keep the text as it is (see finishText). */
  readonly verbatim?: boolean;
}

/** What an extractor gets: the file's bytes and name, and a folder for page images to OCR. */
export interface ExtractInput {
  readonly bytes: Buffer;
  readonly name: string;
  /** The stored original (content-addressed), for readers that take a path. */
  readonly path: string;
  /** A private folder for this document's page images (removed by the caller afterwards). */
  readonly tempDir: string;
  readonly mimeType: string;
}

export const textOf = (mimeType: string, text: string, extra: Partial<Extracted> = {}): Extracted => ({ mimeType, pageCount: null, parts: [{ text }], warnings: [], ...extra });

/** Rows as readable text: cells separated by ` | `, one row a line, empty trailing cells dropped. */
export function renderTable(rows: readonly (readonly string[])[]): string {
  const lines: string[] = [];
  for (const row of rows) {
    const cells = row.map((cell) => cell.replace(/\s*\n\s*/g, ' ').trim());
    while (cells.length > 0 && cells[cells.length - 1] === '') cells.pop();
    if (cells.length > 0) lines.push(cells.join(' | '));
  }
  return lines.join('\n');
}
