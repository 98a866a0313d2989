import { describe, expect, it } from 'vitest';
import { type DigestItem, digestMail } from '../../src/digests/mail.js';
import { mailReason, smsReason, suppressionReason, twilioCode } from '../../src/digests/reasons.js';

const NBSP = '\u00a0';

describe('why a message did not get through, in words', () => {
  it.each([
    ['5.1.1', 'unknown_address'],
    ['5.1.10', 'unknown_address'],
    ['5.1.2', 'unknown_domain'],
    ['5.2.2', 'mailbox_full'],
    ['4.2.2', 'mailbox_full'],
    ['5.2.1', 'mailbox_disabled'],
    ['5.4.4', 'unknown_domain'],
    ['5.7.1', 'filtered'],
    ['SMTP 550: Mailbox unavailable', 'rejected'],
    [undefined, 'rejected'],
  ])('returned mail with %s is %s', (status, reason) => {
    expect(mailReason(status)).toBe(reason);
  });

  it('reads Twilio’s code from a status report or a refused request', () => {
    expect(twilioCode({ errorCode: '30003' })).toBe('30003');
    expect(twilioCode({ error: 'Twilio 400 (21610): Attempt to send to unsubscribed recipient' })).toBe('21610');
    expect(twilioCode({ error: 'SMTP 550: no' })).toBeUndefined();
    expect(smsReason('21610')).toBe('sms_unsubscribed');
    expect(smsReason('30003')).toBe('sms_unreachable');
    expect(smsReason('99999')).toBe('failed');
    expect(smsReason(undefined)).toBe('failed');
  });

  it('words a suppression by what caused it', () => {
    expect(suppressionReason('hard_bounce', '5.2.1')).toBe('mailbox_disabled');
    expect(suppressionReason('complaint', 'abuse')).toBe('complaint');
    expect(suppressionReason('sms_unsubscribed', 'Twilio 21610')).toBe('sms_unsubscribed');
  });
});

describe('the summary mail', () => {
  const item = (over: Partial<DigestItem> = {}): DigestItem => ({
    template: 'accuse-reception',
    reached: false,
    sent: true,
    at: new Date('2026-12-02T09:05:00Z'),
    contactName: 'Madame Perrin',
    address: 's.perrin@lavande.example',
    reason: 'unknown_address',
    remoteStatus: '5.1.1',
    ...over,
  });
  const mail = (items: DigestItem[], held = 0) =>
    digestMail({
      racFirstName: 'François',
      orderNumber: 'CMD-2026-000104',
      company: 'Lavande & Fils',
      orderUrl: 'https://jalon.operateur.example/app/projects/CMD-2026-000104',
      brand: { name: 'Orion Télécom', colour: '#ff7900' },
      items,
      held,
    });

  it('reads as written by a person for one problem', () => {
    const { subject, text } = mail([item()]);
    expect(subject).toBe(`Commande CMD-2026-000104${NBSP}: 1 message non remis`);
    expect(text).toContain(
      `Un envoi de votre commande n°${NBSP}CMD-2026-000104 (Lavande & Fils) ne s’est pas passé comme prévu.`,
    );
    expect(text).toContain('envoyé le mercredi 2 décembre 2026 à 10 h 05');
    expect(text).not.toContain('retenu attend');
  });

  it('counts in words, names what reached the person apart, and shows numbers as they are dialled', () => {
    const { subject, text } = mail(
      [
        item(),
        item({ reached: true, reason: 'complaint', remoteStatus: 'abuse' }),
        item({ template: 'rappel-intervention', sent: false, address: '+33639957893', reason: 'sms_unsubscribed' }),
      ],
      2,
    );
    expect(subject).toBe(`Commande CMD-2026-000104${NBSP}: 2 messages non remis et 1 adresse bloquée`);
    expect(text).toContain('Trois envois de votre commande');
    expect(text).toContain('Madame Perrin — 06 39 95 78 93');
    expect(text).toContain(`«${NBSP}Rappel d’intervention (SMS)${NBSP}», envoi tenté le`);
    expect(text).toContain(`2 messages retenus attendent d’ailleurs dans «${NBSP}À traiter${NBSP}»`);
  });

  it('gives no address advice when the person only asked not to be written to', () => {
    const { text } = mail([item({ reached: true, reason: 'complaint', remoteStatus: null })]);
    expect(text).toContain('appeler le client avant de lui écrire de nouveau');
    expect(text).not.toContain('Pour corriger une adresse');
  });

  it('escapes what it quotes in the HTML part', () => {
    const { html } = mail([item({ contactName: '<b>Perrin</b>' })]);
    expect(html).toContain('&lt;b&gt;Perrin&lt;/b&gt;');
    expect(html).toContain('Lavande &amp; Fils');
    expect(html).not.toContain('<b>Perrin');
  });
});
