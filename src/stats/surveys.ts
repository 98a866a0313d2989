import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { PROJECT_DIMENSIONS, type UsageFilters } from './params.js';
import { and, dimensions, type Figures, type Key, lead, rowsOf, split, withTotal } from './query.js';

/**
 * Survey figures: the surveys sent in the period (one per order and contact, on the day its
 * first survey mail went out) and what became of them. A changed answer is the same survey
 * with its latest rating, so nobody counts twice.
 */
export interface SurveyCounts {
  surveysSent: number;
  surveysAnswered: number;
  ratingSum: number;
  satisfied: number;
}

export async function surveyFigures(db: Db, f: UsageFilters): Promise<Figures<SurveyCounts>> {
  const { inner, outer, names } = dimensions(
    f.groupBy.filter((name) => PROJECT_DIMENSIONS.includes(name)),
    'sent_day',
  );
  const filter = and([
    sql`sent_day between ${f.from}::date and ${f.to}::date`,
    f.agency ? sql`agency = ${f.agency}` : undefined,
    f.rac ? sql`rac_id = ${f.rac}` : undefined,
  ]);
  const { group, flag } = withTotal(names);
  const result = await db.execute(sql`
    select ${lead(outer)} ${flag} as total, count(*)::int as "surveysSent", count(rating)::int as "surveysAnswered",
      coalesce(sum(rating), 0)::int as "ratingSum", (count(*) filter (where rating >= 4))::int as satisfied
    from (select ${lead(inner)} rating from surveys where ${filter}) sent
    ${group}`);
  return split(rowsOf<Key & SurveyCounts & { total: boolean }>(result));
}

export interface SurveyFigures {
  surveysSent: number;
  surveysAnswered: number;
  /** Answered out of sent. */
  surveyResponseRate: number | null;
  /** Mean of the latest ratings, two decimals. */
  surveyAverageRating: number | null;
  /** CSAT: the share of answers rating 4 or 5. */
  surveyCsat: number | null;
}

const share = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : null);

export function surveyShares(counts: SurveyCounts): SurveyFigures {
  return {
    surveysSent: counts.surveysSent,
    surveysAnswered: counts.surveysAnswered,
    surveyResponseRate: share(counts.surveysAnswered, counts.surveysSent),
    surveyAverageRating:
      counts.surveysAnswered > 0 ? Math.round((counts.ratingSum / counts.surveysAnswered) * 100) / 100 : null,
    surveyCsat: share(counts.satisfied, counts.surveysAnswered),
  };
}

export const EMPTY_SURVEYS: SurveyCounts = { surveysSent: 0, surveysAnswered: 0, ratingSum: 0, satisfied: 0 };
