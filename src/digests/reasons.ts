import type { SuppressionReason } from '../db/schema.js';

/**
 * Why a message did not reach someone, as a code the summary stores and the words a RAC reads.
 * The codes come from what the remote side said: the enhanced status of returned mail
 * (RFC 3463: 5.1.1 no such user, 5.2.2 mailbox full…) or Twilio's error code.
 */
export const REASONS = {
  unknown_address: 'adresse inexistante',
  unknown_domain: 'domaine de l’adresse inexistant',
  mailbox_full: 'boîte pleine',
  mailbox_disabled: 'boîte désactivée',
  filtered: 'refusé par le filtrage du destinataire',
  rejected: 'refusé par le serveur du destinataire',
  soft_bounces: 'refusé plusieurs jours de suite (boîte pleine ou serveur indisponible)',
  complaint: 'signalé comme indésirable',
  sms_unsubscribed: 'numéro désabonné, le contact a répondu STOP',
  sms_invalid: 'numéro invalide ou qui n’est pas un mobile',
  sms_unreachable: 'téléphone injoignable',
  sms_filtered: 'SMS bloqué par l’opérateur du destinataire',
  sms_undelivered: 'SMS non remis à plusieurs reprises',
  failed: 'envoi impossible',
} as const;
export type Reason = keyof typeof REASONS;

export const reasonWords = (code: string): string => REASONS[code as Reason] ?? REASONS.failed;

/** The advice differs: a wrong address is corrected, a full mailbox or a STOP is not. */
export const ADDRESS_IS_WRONG: readonly string[] = [
  'unknown_address',
  'unknown_domain',
  'mailbox_disabled',
  'sms_invalid',
] satisfies Reason[];

const ENHANCED = /\b([245])\.(\d{1,3})\.(\d{1,3})\b/;

/** The enhanced status code in a remote status or an SMTP answer (« 550 5.1.1 … »). */
export const enhancedStatus = (text: string | undefined): string | undefined => {
  const found = text ? ENHANCED.exec(text) : null;
  return found ? `${found[1]}.${found[2]}.${found[3]}` : undefined;
};

/** What returned mail or an SMTP refusal means, from its enhanced status. */
export function mailReason(status: string | undefined): Reason {
  const code = enhancedStatus(status);
  if (!code) return 'rejected';
  const [, subject, detail] = code.split('.');
  if (subject === '1' && (detail === '2' || detail === '10' || detail === '3')) {
    return detail === '2' ? 'unknown_domain' : 'unknown_address';
  }
  if (subject === '1') return 'unknown_address';
  if (subject === '2') return detail === '1' ? 'mailbox_disabled' : 'mailbox_full';
  if (subject === '4') return 'unknown_domain';
  if (subject === '7') return 'filtered';
  return 'rejected';
}

const TWILIO: Record<string, Reason> = {
  '21610': 'sms_unsubscribed',
  '21211': 'sms_invalid',
  '21214': 'sms_invalid',
  '21612': 'sms_invalid',
  '21614': 'sms_invalid',
  '30003': 'sms_unreachable',
  '30005': 'sms_invalid',
  '30006': 'sms_invalid',
  '30007': 'sms_filtered',
};

/** Twilio's error code, from a status report (`errorCode`) or a refused request (« Twilio 400 (21610): … »). */
export const twilioCode = (data: Record<string, unknown>): string | undefined => {
  if (typeof data.errorCode === 'string') return data.errorCode;
  return typeof data.error === 'string' ? /^Twilio \S+ \((\d{5})\)/.exec(data.error)?.[1] : undefined;
};

export const smsReason = (code: string | undefined): Reason => (code ? (TWILIO[code] ?? 'failed') : 'failed');

/** Why an address was suppressed, for a summary line. */
export function suppressionReason(reason: SuppressionReason, detail: string | null): Reason {
  switch (reason) {
    case 'hard_bounce':
      return mailReason(detail ?? undefined);
    case 'complaint':
    case 'soft_bounces':
    case 'sms_unsubscribed':
    case 'sms_undelivered':
      return reason;
  }
}
