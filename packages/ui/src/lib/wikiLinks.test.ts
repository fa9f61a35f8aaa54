import { describe, expect, it } from 'vitest';
import { renderMarkdown } from './markdown.js';

describe('[[links]] in the preview', () => {
  it('renders [[Title]] and [[Title|label]] as links carrying the title, escaped', () => {
    const html = renderMarkdown('See [[Garden plan]] and [[数据同步|同步]] and [[<b>x</b>|<i>]].');
    expect(html).toContain('<a href="#" class="wiki-link" data-link-title="Garden plan">Garden plan</a>');
    expect(html).toContain('<a href="#" class="wiki-link" data-link-title="数据同步">同步</a>');
    expect(html).toContain('data-link-title="&lt;b&gt;x&lt;/b&gt;">&lt;i&gt;</a>');
    expect(html).not.toContain('<b>');
  });

  it('marks links the engine found no entry for as missing, by title without case', () => {
    const html = renderMarkdown('[[Deep Work]] [[Other]]', { missing: new Set(['deep work']) });
    expect(html).toContain('class="wiki-link missing" data-link-title="Deep Work" data-missing="true"');
    expect(html).toContain('class="wiki-link" data-link-title="Other"');
  });

  it('leaves code and plain brackets alone', () => {
    expect(renderMarkdown('`[[not]]` [[]] [x](y)')).not.toContain('wiki-link');
  });
});
