import { convert, type HtmlToTextOptions } from 'html-to-text';

const skip = ['nav', '[role=navigation]', 'script', 'style', 'noscript', 'template', 'svg', 'img', 'iframe', 'object', 'button', 'select', 'form'].map((selector) => ({
  selector,
  format: 'skip' as const,
}));
const headings = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((selector) => ({ selector, options: { uppercase: false } }));

const options: HtmlToTextOptions = {
  wordwrap: false,
  selectors: [
    ...skip,
    ...headings,
    { selector: 'a', options: { ignoreHref: true } },
    { selector: 'table', format: 'dataTable', options: { uppercaseHeaderCells: false, maxColumnWidth: 1_000_000, colSpacing: 3 } },
  ],
  limits: { maxInputLength: 64 * 2 ** 20 },
};

/**
 * Readable text of an HTML page: headings, paragraphs, lists and tables kept, scripts, styles,
 * navigation, forms and images dropped; the `<title>` first when the body does not repeat it.
 */
export function htmlToText(html: string): string {
  const body = convert(html, options);
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(html)?.[1]?.replace(/\s+/g, ' ').trim();
  const decodedTitle = title ? convert(title, { wordwrap: false }) : '';
  return decodedTitle && !body.includes(decodedTitle) ? `${decodedTitle}\n\n${body}` : body;
}
