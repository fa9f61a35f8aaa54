import Papa from 'papaparse';
import { corrupt, describeError } from '../extractionError.js';
import { renderTable, textOf, type Extracted } from '../parts.js';

export const xlsxMime = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Every sheet of an Excel workbook (exceljs) as a readable table under the sheet's name. */
export async function extractXlsx(bytes: Buffer): Promise<Extracted> {
  const ExcelJS = (await import('exceljs')).default;
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
  } catch (error) {
    throw corrupt(`not a readable Excel workbook: ${describeError(error)}`);
  }
  const sections: string[] = [];
  workbook.eachSheet((sheet) => {
    const rows: string[][] = [];
    sheet.eachRow({ includeEmpty: false }, (row) => {
      const values = row.values as unknown[];
      rows.push(values.slice(1).map(cellText));
    });
    const table = renderTable(rows);
    if (table) sections.push(`${sheet.name}\n\n${table}`);
  });
  return { ...textOf(xlsxMime, sections.join('\n\n')), pageCount: workbook.worksheets.length };
}

/** A cell's value as a person reads it: formula results, dates as ISO dates, rich text and links as their text. */
function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) {
    const iso = value.toISOString();
    return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso.slice(0, 19).replace('T', ' ');
  }
  if (typeof value === 'object') {
    const v = value as { result?: unknown; richText?: { text: string }[]; text?: unknown; error?: string; formula?: string };
    if (v.richText) return v.richText.map((r) => r.text).join('');
    if ('result' in v) return cellText(v.result);
    if (v.text !== undefined) return cellText(v.text);
    if (v.error) return v.error;
    if (v.formula) return '';
    return '';
  }
  return typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string' ? String(value) : '';
}

/** CSV (delimiter detected) and TSV files as readable tables. */
export function extractDelimited(text: string, mimeType: 'text/csv' | 'text/tab-separated-values'): Extracted {
  const parsed = Papa.parse<string[]>(text, { delimiter: mimeType === 'text/tab-separated-values' ? '\t' : '', skipEmptyLines: 'greedy' });
  const warnings = parsed.errors.length > 0 ? [`${parsed.errors.length} malformed row(s), e.g. row ${(parsed.errors[0]?.row ?? 0) + 1}: ${parsed.errors[0]?.message ?? ''}`] : [];
  return { ...textOf(mimeType, renderTable(parsed.data)), warnings };
}
