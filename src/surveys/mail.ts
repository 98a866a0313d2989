import { escapeHtml } from '../render/brand.js';

const NBSP = '\u00a0';

/** The mail to the RAC when a client answers 1 or 2 out of 5: enough to pick up the phone. */
export function unhappyClientMail(input: {
  racFirstName: string;
  orderNumber: string;
  company: string;
  contactName: string | null;
  rating: number;
  comment: string | null;
  brandName: string;
}) {
  const who = input.contactName ? `${input.contactName} (${input.company})` : input.company;
  const subject = `Votre client a répondu ${input.rating}/5 au questionnaire de satisfaction (commande ${input.orderNumber})`;
  const said = input.comment
    ? [`Voici son commentaire${NBSP}:`, '', `« ${input.comment} »`]
    : ['Il n’a pas laissé de commentaire.'];
  const lines = [
    `Bonjour ${input.racFirstName},`,
    '',
    `Votre client ${who} a répondu ${input.rating}/5 au questionnaire de satisfaction de la commande n°${NBSP}${input.orderNumber}.`,
    ...said,
    '',
    'Un appel rapide lui montrera que son avis est entendu.',
    '',
    `— Jalon, ${input.brandName}`,
    '',
  ];
  const text = lines.join('\n');
  const html = `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head><body style="font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.5;color:#1f2933">${lines
    .filter(Boolean)
    .map((line) => `<p style="white-space:pre-line">${escapeHtml(line)}</p>`)
    .join('')}</body></html>`;
  return { subject, text, html };
}
