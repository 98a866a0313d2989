/**
 * The survey's one question and its scale, shared by the mails that ask it and the page that
 * records the answer, so the client reads the same words in both.
 */
export const RATINGS = [
  { value: 1, label: 'très insatisfait' },
  { value: 2, label: 'insatisfait' },
  { value: 3, label: 'moyennement satisfait' },
  { value: 4, label: 'satisfait' },
  { value: 5, label: 'très satisfait' },
] as const;

export type Rating = (typeof RATINGS)[number]['value'];

/** Ratings at or under this one tell the RAC at once: the client is unhappy and worth a call. */
export const UNHAPPY_AT_MOST = 2;

/** The mails that carry survey links: each recipient's links are their own. */
export const SURVEY_TEMPLATES: readonly string[] = ['cloture', 'relance-bilan'];

/**
 * What stands for the recipient's token in a rendered survey mail. The token is made when the
 * mail goes out and only its hash is kept, so what is stored (and shown in the history) reads
 * `…/satisfaction/lien-personnel`; no reader of the history can answer in the client's name.
 */
export const TOKEN_SLOT = 'lien-personnel';

export const question = (orderNumber: string) =>
  `Comment évaluez-vous le déploiement de votre commande n° ${orderNumber} ?`;

/** The five links of a survey address: the page opens with that rating chosen. */
export function ratingLinks(surveyUrl: string) {
  const separator = surveyUrl.includes('?') ? '&' : '?';
  return RATINGS.map((rating) => ({ ...rating, url: `${surveyUrl}${separator}note=${rating.value}` }));
}

/** Puts a recipient's token in place of the slot, in the survey links of `content` only. */
export function withToken(content: string, surveyBase: string, token: string): string {
  return content.split(`${surveyBase}/${TOKEN_SLOT}`).join(`${surveyBase}/${token}`);
}
