/**
 * A short label for a document's type, from its MIME type: a format's usual name (PDF, DOCX, PNG…), or a
 * word to translate (`text`, `markdown`, `file`) when there is no such name. Notes are labelled by the caller.
 */
export type TypeLabel = { readonly name: string } | { readonly word: 'text' | 'markdown' | 'file' };

const names: Record<string, string> = {
  'application/pdf': 'PDF',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'DOCX',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'XLSX',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': 'PPTX',
  'application/msword': 'DOC',
  'application/vnd.ms-excel': 'XLS',
  'application/vnd.ms-powerpoint': 'PPT',
  'application/vnd.oasis.opendocument.text': 'ODT',
  'application/vnd.oasis.opendocument.spreadsheet': 'ODS',
  'application/vnd.oasis.opendocument.presentation': 'ODP',
  'application/epub+zip': 'EPUB',
  'application/rtf': 'RTF',
  'application/zip': 'ZIP',
  'application/gzip': 'GZIP',
  'application/json': 'JSON',
  'text/csv': 'CSV',
  'text/tab-separated-values': 'TSV',
  'text/html': 'HTML',
  'image/jpeg': 'JPEG',
  'image/svg+xml': 'SVG',
};

export function typeLabel(mimeType: string): TypeLabel {
  const mime = mimeType.split(';')[0]!.trim().toLowerCase();
  const name = names[mime];
  if (name) return { name };
  if (mime === 'text/markdown' || mime === 'text/x-markdown') return { word: 'markdown' };
  if (mime === 'text/plain') return { word: 'text' };
  const [top, sub = ''] = mime.split('/');
  // image/png → PNG, audio/wav → WAV; anything else is just a file.
  if ((top === 'image' || top === 'audio' || top === 'video') && /^[a-z0-9]{2,5}$/.test(sub)) return { name: sub.toUpperCase() };
  if (top === 'text') return { word: 'text' };
  return { word: 'file' };
}
