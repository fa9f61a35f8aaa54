// In Chromium against `cairn serve`: a document long enough for a summary shows it at the top of its view, and a
// search that finds it by its title shows the summary as the hit's snippet instead of the text's first lines.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { appPerTest, importFile } from './harness.js';

const app = appPerTest({ beforeAll, afterAll, beforeEach, afterEach });
const page = () => app().page;
const serve = () => app().serve;

const central = [
  'The harbor lantern project restored the old lantern on the harbor wall this spring.',
  'Volunteers from the harbor town repaired the lantern every weekend, cleaning the harbor glass and brass.',
  'The project plans to restore every lantern along the harbor next year, with more volunteers and boats.',
];
const asides = ['The weather was cold in March.', 'Soup and bread were served at the community hall by a bakery.', 'A local band played music on the last day.', 'The mayor wore a red scarf at the ceremony.', 'Parking near the station was difficult on Saturdays.'];
const REPORT = [central[0], asides[0], asides[1], central[1], asides[2], asides[3], asides[4], central[2]].join('\n\n');

describe('document summaries', () => {
  it('shows the central sentences at the top of a long document and as the snippet of a title match', async () => {
    await importFile(serve(), { name: 'Quarterly review.txt', text: REPORT });
    await page().getByTestId('library-list').getByRole('option', { name: /Quarterly review/ }).click();
    const summary = page().getByRole('region', { name: 'Summary' });
    await expect.poll(() => summary.textContent(), { timeout: 20_000 }).toContain(central[0]);
    const text = (await summary.textContent()) ?? '';
    expect(central.filter((sentence) => text.includes(sentence)).length).toBeGreaterThanOrEqual(2);
    for (const aside of asides) expect(text).not.toContain(aside);

    const input = page().getByRole('combobox', { name: 'Search query' });
    await page().keyboard.press('Control+k');
    await input.fill('quarterly');
    const hit = page().getByRole('listbox', { name: 'Results' }).getByRole('option', { name: /Quarterly review/ });
    await expect.poll(() => hit.textContent(), { timeout: 20_000 }).toContain('The harbor lantern project restored');
    expect(await hit.textContent()).not.toContain('The weather was cold');
  });

  it('shows no summary for a short document', async () => {
    await importFile(serve(), { name: 'Shopping.txt', text: 'Milk. Bread. Eggs.' });
    await page().getByTestId('library-list').getByRole('option', { name: /Shopping/ }).click();
    await expect.poll(() => page().getByTestId('document-status').getAttribute('data-status')).toBe('done');
    expect(await page().getByRole('region', { name: 'Summary' }).count()).toBe(0);
  });
});
