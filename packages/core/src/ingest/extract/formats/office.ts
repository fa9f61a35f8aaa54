import { describeError, corrupt } from '../extractionError.js';
import { textOf, type Extracted } from '../parts.js';
import { htmlToText } from './html.js';

export const docxMime = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
export const pptxMime = 'application/vnd.openxmlformats-officedocument.presentationml.presentation';
export const odtMime = 'application/vnd.oasis.opendocument.text';
export const odpMime = 'application/vnd.oasis.opendocument.presentation';
export const odsMime = 'application/vnd.oasis.opendocument.spreadsheet';

/** Word (DOCX) through mammoth's HTML, so headings, lists, tables, tabs and line breaks survive. */
export async function extractDocx(bytes: Buffer): Promise<Extracted> {
  const mammoth = (await import('mammoth')).default;
  let html: string;
  try {
    html = (await mammoth.convertToHtml({ buffer: bytes })).value;
  } catch (error) {
    throw corrupt(`not a readable Word document: ${describeError(error)}`);
  }
  return textOf(docxMime, htmlToText(html));
}

/** PowerPoint (PPTX) and OpenDocument text, presentations and spreadsheets, through officeparser. */
export async function extractWithOfficeParser(bytes: Buffer, mimeType: string, what: string): Promise<Extracted> {
  const { OfficeParser } = await import('officeparser');
  try {
    const ast = await OfficeParser.parseOffice(bytes, { outputErrorToConsole: false, extractAttachments: false, ocr: false, newlineDelimiter: '\n' });
    return textOf(mimeType, ast.toText());
  } catch (error) {
    throw corrupt(`not a readable ${what}: ${describeError(error)}`);
  }
}
