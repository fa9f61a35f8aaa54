import { describe, expect, it } from 'vitest';
import { renderMarkdown } from './markdown.js';

describe('renderMarkdown', () => {
  it('shows raw HTML as text', () => {
    expect(renderMarkdown('hi <script>alert(1)</script>')).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('does not fetch an image from elsewhere: it is a link named by its alt text', () => {
    const html = renderMarkdown('![tracking pixel](https://tracker.example/p.gif) and ![](http://x.example/a.png)');
    expect(html).not.toContain('<img');
    expect(html).toContain('<a class="remote-image" href="https://tracker.example/p.gif" target="_blank" rel="noopener noreferrer">[tracking pixel]</a>');
    expect(html).toContain('>[http://x.example/a.png]</a>');
  });

  it('shows an image written into the note as data', () => {
    expect(renderMarkdown('![dot](data:image/png;base64,iVBORw0KGgo=)')).toContain('<img src="data:image/png;base64,iVBORw0KGgo=" alt="dot">');
  });
});
