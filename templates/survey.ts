import type { ViewKit } from '../src/render/manifest.js';

/** What a survey mail shows: the question, its five rating links and the page's address. */
export function survey(kit: ViewKit, given: string | undefined) {
  const surveyUrl = given ?? kit.surveyUrl();
  return { surveyUrl, question: kit.surveyQuestion(), ratings: kit.surveyRatings(surveyUrl) };
}
