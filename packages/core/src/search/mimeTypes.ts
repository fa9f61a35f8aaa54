/**
 * Short document type names for `type:` filters, mapped to the MIME types the ingestion pipeline
 * records. `type:image` (any `image/*`) and a literal MIME type (`type:application/pdf`) work too.
 */
export const documentTypes: Readonly<Record<string, readonly string[]>> = {
  pdf: ['application/pdf'],
  docx: ['application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
  doc: ['application/msword'],
  pptx: ['application/vnd.openxmlformats-officedocument.presentationml.presentation'],
  ppt: ['application/vnd.ms-powerpoint'],
  xlsx: ['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
  xls: ['application/vnd.ms-excel'],
  odt: ['application/vnd.oasis.opendocument.text'],
  rtf: ['application/rtf', 'text/rtf'],
  epub: ['application/epub+zip'],
  html: ['text/html', 'application/xhtml+xml'],
  md: ['text/markdown', 'text/x-markdown'],
  txt: ['text/plain'],
  csv: ['text/csv'],
  tsv: ['text/tab-separated-values'],
  json: ['application/json'],
  xml: ['application/xml', 'text/xml'],
  eml: ['message/rfc822'],
  msg: ['application/vnd.ms-outlook'],
  png: ['image/png'],
  jpg: ['image/jpeg'],
  gif: ['image/gif'],
  tiff: ['image/tiff'],
  webp: ['image/webp'],
  bmp: ['image/bmp'],
};

const aliases: Readonly<Record<string, string>> = { htm: 'html', markdown: 'md', text: 'txt', jpeg: 'jpg', tif: 'tiff', word: 'docx', excel: 'xlsx', powerpoint: 'pptx', email: 'eml' };

/** What a `type:` value selects: exact MIME types, or a MIME prefix such as `image/`. */
export interface TypeFilter {
  readonly mimeTypes: readonly string[];
  readonly prefix?: string;
}

/** Resolves a `type:` value; undefined when it names no known type. */
export function resolveDocumentType(value: string): TypeFilter | undefined {
  const name = value.trim().toLowerCase().replace(/^\./, '');
  if (name.includes('/')) return name.endsWith('/*') ? { mimeTypes: [], prefix: name.slice(0, -1) } : { mimeTypes: [normalizeMimeType(name)] };
  if (['image', 'audio', 'video'].includes(name)) return { mimeTypes: [], prefix: `${name}/` };
  const known = documentTypes[aliases[name] ?? name];
  return known ? { mimeTypes: known } : undefined;
}

/** `Text/HTML; charset=utf-8` → `text/html`. */
export function normalizeMimeType(mimeType: string): string {
  return mimeType.split(';')[0]!.trim().toLowerCase();
}

export const documentTypeNames: readonly string[] = [...Object.keys(documentTypes), 'image'];
