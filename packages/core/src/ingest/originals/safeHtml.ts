import sanitizeHtml from 'sanitize-html';

/** What {@link safeHtml} gives back: markup that runs nothing and loads nothing, and what it left out. */
export interface SafeHtml {
  readonly html: string;
  /** Images that would have been fetched from elsewhere (a tracking pixel, a newsletter's pictures): not kept. */
  readonly remoteImages: number;
}

/** Styles that fetch or run something (`url(...)`, `@import`, old IE `expression(...)`, `behavior`). */
const activeStyle = /url\s*\(|@import|expression\s*\(|behavior\s*:|-moz-binding/i;

const layoutAttributes = ['style', 'class', 'align', 'valign', 'width', 'height', 'bgcolor', 'color', 'border', 'cellpadding', 'cellspacing', 'colspan', 'rowspan', 'dir', 'lang', 'title'];

/**
 * An HTML page or e-mail body made safe to show: only document markup is kept (sanitize-html's allow list
 * plus images, `font` and `center` for old e-mail), so no script, event handler, `iframe`, `object`,
 * `form`, `meta`, `base`, `link` or `<style>` survives; images only from `data:` (an e-mail's inline
 * images arrive that way), any other image becomes its alt text; styles that fetch (`url(...)`) are
 * dropped; links keep http(s) and mailto and open in a new browsing context with no opener or referrer.
 *
 * The viewer frames the result in a sandbox with a CSP of its own as a second wall (see the UI's
 * `OriginalText`); this function is the first, and the one every front end gets from the engine.
 */
export function safeHtml(html: string, options: { readonly images?: boolean } = {}): SafeHtml {
  let remoteImages = 0;
  const keepImages = options.images ?? true;
  const result = sanitizeHtml(html, {
    allowedTags: [...sanitizeHtml.defaults.allowedTags, 'img', 'font', 'center'],
    // Their text is not content either (a page's <title> is shown apart).
    nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'title', 'template'],
    allowedAttributes: {
      '*': layoutAttributes,
      a: ['href', 'name', 'target', 'rel'],
      img: ['src', 'alt', 'width', 'height'],
      font: ['color', 'face', 'size'],
      td: ['nowrap'],
    },
    allowedSchemes: ['http', 'https', 'mailto'],
    allowedSchemesByTag: { img: ['data'] },
    allowProtocolRelative: false,
    transformTags: {
      '*': (tagName, attribs) => {
        const { style, ...rest } = attribs;
        return { tagName, attribs: style === undefined || activeStyle.test(style) ? rest : attribs };
      },
      a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, target: '_blank', rel: 'noopener noreferrer' } }),
      img: (tagName, attribs) => {
        const src = (attribs.src ?? '').trim();
        if (keepImages && /^data:image\/(png|jpeg|gif|webp|bmp|avif);/i.test(src)) return { tagName, attribs };
        if (!/^data:/i.test(src) && src !== '') remoteImages += 1;
        const alt = attribs.alt?.trim();
        return { tagName: 'span', attribs: { class: 'omitted-image' }, text: alt ? `[${alt}]` : '' };
      },
    },
  });
  return { html: result, remoteImages };
}
