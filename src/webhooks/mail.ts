import { DateTime } from 'luxon';
import { escapeHtml } from '../render/brand.js';

const NBSP = '\u00a0';

/** The mail to an endpoint's alert mailbox when Jalon stops delivering to it, in French. */
export function disabledMail(endpoint: { id: string; url: string; failingSince: Date | null }) {
  const since = endpoint.failingSince
    ? DateTime.fromJSDate(endpoint.failingSince, { zone: 'Europe/Paris' })
        .setLocale('fr')
        .toFormat("d LLLL yyyy 'à' HH'h'mm")
    : 'plusieurs jours';
  const subject = 'Jalon a désactivé un point de réception de webhooks';
  const lines = [
    'Bonjour,',
    '',
    `Les envois vers ${endpoint.url} échouent sans interruption depuis le ${since}${NBSP}: Jalon a désactivé ce point de réception et ne lui envoie plus d’événements.`,
    '',
    `Une fois le service récepteur rétabli, réactivez-le (PATCH /v1/webhooks/${endpoint.id} avec « enabled${NBSP}: true »). Le détail des échecs figure dans son journal de livraison (GET /v1/webhooks/${endpoint.id}/deliveries).`,
    '',
    '— Jalon',
    '',
  ];
  const text = lines.join('\n');
  const html = `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head><body style="font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.5;color:#1f2933">${lines
    .filter(Boolean)
    .map((line) => `<p>${escapeHtml(line)}</p>`)
    .join('')}</body></html>`;
  return { subject, text, html };
}
