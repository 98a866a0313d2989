import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { DateTime } from 'luxon';
import { escapeHtml } from '../render/brand.js';
import { frenchDate, frenchHour, ZONE } from '../render/dates.js';
import { count } from '../render/phrasing.js';
import { ADDRESS_IS_WRONG, reasonWords } from './reasons.js';

const NBSP = '\u00a0';
const quote = (words: string) => `«${NBSP}${words}${NBSP}»`;

/** One line of the summary: which message, to whom, why, and what to do. */
export interface DigestItem {
  template: string;
  /** Whether the message reached the person (a complaint, a STOP) or not (failed, bounced). */
  reached: boolean;
  /** Whether it went to the provider (a bounce comes after), or failed on the way. */
  sent: boolean;
  /** When it went (or was tried). */
  at: Date;
  contactName: string | null;
  address: string | null;
  reason: string;
  remoteStatus: string | null;
}

export interface DigestInput {
  racFirstName: string;
  orderNumber: string;
  company: string;
  orderUrl: string;
  brand: { name: string; colour: string };
  items: readonly DigestItem[];
  /** Drafts of the order held because a recipient is suppressed. */
  held: number;
}

/** The templates in the words the console uses (web/src/labels.ts). */
const TEMPLATE_NAMES: Record<string, string> = {
  'accuse-reception': 'Accusé de réception',
  'rle-recap': 'Compte rendu de RLE',
  'avis-intervention': 'Avis d’intervention',
  'rappel-intervention': 'Rappel d’intervention (SMS)',
  cloture: 'Clôture',
  'relance-bilan': 'Relance du bilan de satisfaction',
  'modification-intervention': 'Modification d’intervention',
  'annulation-intervention': 'Annulation d’intervention',
  'annulation-intervention-sms': 'Annulation d’intervention (SMS)',
};

const NUMBERS = ['Zéro', 'Un', 'Deux', 'Trois', 'Quatre', 'Cinq', 'Six', 'Sept', 'Huit', 'Neuf', 'Dix'];
/** A sentence does not start with a digit: « Deux envois … », « 14 envois » only past ten. */
const opening = (n: number, plural: string) => `${NUMBERS[n] ?? n} ${plural}`;

/** A number as the RAC dials it (« 06 39 95 78 93 »), an address as it is. */
const shown = (address: string) =>
  address.startsWith('+') ? (parsePhoneNumberFromString(address)?.formatNational() ?? address) : address;

/** Reasons where nothing is to be corrected: the person does not want the messages. */
const UNWILLING = ['complaint', 'sms_unsubscribed'];

const when = (at: Date) => {
  const date = DateTime.fromJSDate(at, { zone: ZONE });
  return `${frenchDate(date)} à ${frenchHour(date)}`;
};

function todo(item: DigestItem): string {
  if (ADDRESS_IS_WRONG.includes(item.reason)) return 'corriger l’adresse.';
  switch (item.reason) {
    case 'mailbox_full':
    case 'soft_bounces':
      return 'vérifier l’adresse avec le client (elle est sans doute juste, mais sa boîte refuse le courrier), puis faire lever le blocage.';
    case 'complaint':
      return 'appeler le client avant de lui écrire de nouveau. Jalon n’écrira plus à cette adresse tant que le blocage n’est pas levé à sa demande.';
    case 'sms_unsubscribed':
      return 'prévenir le contact autrement (téléphone, e-mail). Il ne recevra plus de SMS tant que le blocage n’est pas levé à sa demande.';
    default:
      return 'vérifier l’adresse avec le client et la corriger si besoin.';
  }
}

function lines(item: DigestItem) {
  const name = TEMPLATE_NAMES[item.template] ?? item.template;
  const went = item.sent ? 'envoyé le' : 'envoi tenté le';
  const to = [item.contactName, item.address ? shown(item.address) : null].filter(Boolean).join(' — ') || 'inconnu';
  const why = `${reasonWords(item.reason)}${item.remoteStatus ? ` (code ${item.remoteStatus})` : ''}`;
  return {
    title: `${quote(name)}, ${went} ${when(item.at)}`,
    to: `Destinataire${NBSP}: ${to}`,
    why: `Motif${NBSP}: ${why}`,
    todo: `À faire${NBSP}: ${todo(item)}`,
  };
}

/**
 * The RAC's summary of an order's delivery problems, in French, as a colleague would write
 * it: what did not get through, to whom, why, what to do, and the link to the order.
 */
export function digestMail(input: DigestInput): { subject: string; text: string; html: string } {
  const missed = input.items.filter((item) => !item.reached).length;
  const blocked = input.items.length - missed;
  const parts = [
    ...(missed > 0 ? [count(missed, 'message non remis', 'messages non remis')] : []),
    ...(blocked > 0 ? [count(blocked, 'adresse bloquée', 'adresses bloquées')] : []),
  ];
  const subject = `Commande ${input.orderNumber}${NBSP}: ${parts.join(' et ')}`;
  const greeting = `Bonjour ${input.racFirstName},`;
  const intro =
    input.items.length === 1
      ? `Un envoi de votre commande n°${NBSP}${input.orderNumber} (${input.company}) ne s’est pas passé comme prévu. Voici lequel, et ce qu’il faut faire.`
      : `${opening(input.items.length, 'envois')} de votre commande n°${NBSP}${input.orderNumber} (${input.company}) ne se sont pas passés comme prévu. Voici lesquels, et ce qu’il faut faire.`;
  const correct = input.items.every((item) => UNWILLING.includes(item.reason))
    ? []
    : [
        `Pour corriger une adresse${NBSP}: elle vient de l’outil de commande, corrigez-la là${NBSP}; elle arrive dans Jalon avec la commande. Ensuite${NBSP}:`,
        `– un message non remis ne repart pas tel quel${NBSP}: préparez-le à nouveau depuis la page de la commande${NBSP};`,
        `– un brouillon retenu pour cette adresse (il attend dans ${quote('À traiter')}, avec un avertissement) prend la nouvelle adresse${NBSP}: il ne reste qu’à l’envoyer. Si l’adresse était juste, un administrateur ou un manager de l’agence peut lever le blocage${NBSP}: les messages retenus repartent alors d’eux-mêmes.`,
      ];
  const held =
    input.held > 0
      ? `${input.held === 1 ? 'Un message retenu attend' : `${input.held} messages retenus attendent`} d’ailleurs dans ${quote('À traiter')} pour cette commande.`
      : null;
  const open = `Ouvrir la commande${NBSP}: ${input.orderUrl}`;
  const signature = `— Jalon, ${input.brand.name}`;
  const items = input.items.map(lines);

  const text = [
    greeting,
    '',
    intro,
    '',
    ...items.flatMap((item, i) => [
      `${i + 1}. ${item.title}`,
      `   ${item.to}`,
      `   ${item.why}`,
      `   ${item.todo}`,
      '',
    ]),
    ...(correct.length ? [...correct, ''] : []),
    ...(held ? [held, ''] : []),
    open,
    '',
    signature,
    '',
  ].join('\n');

  const e = escapeHtml;
  const p = (content: string, style = '') => `<p style="margin:0 0 16px;${style}">${content}</p>`;
  const html = `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${e(subject)}</title></head>
<body style="margin:0;padding:24px;background:#f4f6f8;font-family:Arial,Helvetica,sans-serif;color:#1f2933;font-size:15px;line-height:1.5">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:600px;background:#ffffff;border-top:4px solid ${e(input.brand.colour)};padding:24px">
<tr><td>
${p(e(greeting))}
${p(e(intro))}
<ol style="margin:0 0 16px;padding-left:20px">
${items
  .map(
    (item) =>
      `<li style="margin:0 0 12px"><strong>${e(item.title)}</strong><br>${e(item.to)}<br>${e(item.why)}<br>${e(item.todo)}</li>`,
  )
  .join('\n')}
</ol>
${
  correct.length
    ? `${p(e(correct[0] ?? ''))}
<ul style="margin:0 0 16px;padding-left:20px">${correct
        .slice(1)
        .map((line) => `<li>${e(line.replace(/^– /, ''))}</li>`)
        .join('')}</ul>`
    : ''
}
${held ? p(e(held)) : ''}
<p style="margin:0 0 16px"><a href="${e(input.orderUrl)}" style="display:inline-block;padding:12px 20px;background:${e(input.brand.colour)};color:#ffffff;text-decoration:none;border-radius:4px;font-weight:bold">Ouvrir la commande ${e(input.orderNumber)}</a></p>
${p(e(signature), 'color:#52606d;font-size:13px;margin:0')}
</td></tr></table>
</td></tr></table>
</body></html>
`;
  return { subject, text, html };
}
