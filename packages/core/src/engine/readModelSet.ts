import { documentsProjection } from '../projections/documentsProjection.js';
import { entriesProjection } from '../projections/entriesProjection.js';
import type { ReadModelSet } from '../projections/readModels.js';
import { tagCountsProjection } from '../projections/tagCountsProjection.js';
import { createSearchProjection, type TextReader } from '../search/searchProjection.js';

/** The engine's read models; `readText` gives the search index a document's extracted text. */
export function engineReadModels(readText: TextReader): ReadModelSet {
  return { inline: [entriesProjection, documentsProjection], async: [tagCountsProjection, createSearchProjection(readText)] };
}
