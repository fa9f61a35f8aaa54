import { documentsProjection } from '../projections/documentsProjection.js';
import { entriesProjection } from '../projections/entriesProjection.js';
import type { ReadModelSet } from '../projections/readModels.js';
import { tagCountsProjection } from '../projections/tagCountsProjection.js';
import { createSearchProjection, type TextReader } from '../search/searchProjection.js';
import { createSummariesProjection, type RawTextReader } from '../agents/summaryProjection.js';
import { linksProjection } from '../agents/linksProjection.js';
import { createNearDuplicatesProjection } from '../agents/nearDuplicateProjection.js';

/**
 * The engine's read models; `readText` gives the search index a document's extracted text (chunked), `readRawText` the
 * agents (summaries, near duplicates) the text itself.
 */
export function engineReadModels(readText: TextReader, readRawText: RawTextReader = () => undefined): ReadModelSet {
  return {
    inline: [entriesProjection, documentsProjection],
    async: [tagCountsProjection, createSearchProjection(readText), createSummariesProjection(readRawText), linksProjection, createNearDuplicatesProjection(readRawText)],
  };
}
