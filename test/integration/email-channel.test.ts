import { generateKeyPairSync } from 'node:crypto';
import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addressOf, createSmtpSender } from '../../src/channels/email.js';
import type { EmailSender } from '../../src/channels/types.js';
import { createRenderer, visitInvitation, visitUid, type EmailResult, type Renderer } from '../../src/render/index.js';
import { projectFromJson } from '../../src/render/samples.js';
import { loadFixture } from '../helpers/fixtures.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.js';

/**
 * What the SMTP sender puts on the wire, read back from a real SMTP server: the RAC's name
 * on the service's own address, Reply-To the RAC, the site list attached, the visit
 * invitation as a text/calendar part, DKIM-signed.
 */

const FROM = 'Orion Télécom <projets@orion-telecom.example>';
let sink: SmtpSink;
let sender: EmailSender;
let renderer: Renderer;
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });

beforeAll(async () => {
  sink = await startSmtpSink();
  sender = createSmtpSender(sink.url, {
    from: FROM,
    dkim: {
      domainName: 'orion-telecom.example',
      keySelector: 'jalon',
      privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    },
  });
  renderer = await createRenderer({ templatesDir: 'templates', publicBaseUrl: 'https://jalon.orion-telecom.example' });
});
afterAll(async () => {
  await sender?.close();
  await sink?.close();
  await renderer?.close();
});

describe('SMTP sender', () => {
  it('sends as the RAC from the sending address, replies to the RAC, with the site list attached', async () => {
    const project = projectFromJson(loadFixture('CMD-2026-000104'));
    const result = renderer.render('accuse-reception', { project }) as EmailResult;
    expect(result.fromName).toBe('François Morel – Orion Télécom');
    await sender.send({
      id: 'm-attach',
      to: [{ address: 'client@example.org' }],
      cc: [],
      replyTo: result.replyTo,
      subject: result.subject,
      html: result.html,
      text: result.text,
      fromName: result.fromName,
      attachments: result.attachments,
    });
    const [received] = await sink.waitFor(1);
    const mail = received!.mail;
    expect(mail.from?.value).toEqual([
      { name: 'François Morel – Orion Télécom', address: 'projets@orion-telecom.example' },
    ]);
    expect(mail.replyTo?.value[0]?.address).toBe(project.rac.email);
    expect(received!.raw.toString('utf8').replace(/\r\n[ \t]+/g, ' ')).toMatch(
      /^DKIM-Signature: .*\bd=orion-telecom\.example;/m,
    );
    const csv = mail.attachments.find((file) => file.filename === 'sites-CMD-2026-000104.csv');
    expect(csv?.contentType).toBe('text/csv');
    const content = csv?.content.toString('utf8') ?? '';
    for (const site of project.sites) expect(content).toContain(site.ref);
  });

  it('carries a visit invitation that a calendar reads back', async () => {
    const calendar = visitInvitation({
      uid: visitUid('iv-7', 'orion-telecom.example'),
      sequence: 1,
      method: 'REQUEST',
      start: '2026-06-02T08:00:00+02:00',
      end: '2026-06-02T12:00:00+02:00',
      summary: 'Intervention Orion Télécom',
      location: '12 rue du Port, 30000 Nîmes',
      organizer: { name: 'Léa Laurent', email: 'l.laurent@orion-telecom.example' },
      attendees: [{ email: 'client@example.org' }],
      product: 'Orion Télécom',
      stamp: new Date('2026-05-20T08:00:00Z'),
    });
    const before = sink.received.length;
    await sender.send({
      id: 'm-ics',
      to: [{ address: 'client@example.org' }],
      cc: [],
      replyTo: 'l.laurent@orion-telecom.example',
      subject: 'Intervention',
      html: '<p>Bonjour</p>',
      text: 'Bonjour',
      fromName: 'Léa Laurent – Orion Télécom',
      calendar,
    });
    const received = (await sink.waitFor(before + 1))[before]!;
    const raw = received.raw.toString('utf8');
    expect(raw).toMatch(/Content-Type: text\/calendar; charset=utf-8; method=REQUEST/i);
    const ics = received.mail.attachments.find((file) => file.contentType === 'text/calendar');
    const event = new ICAL.Event(
      new ICAL.Component(ICAL.parse(ics?.content.toString('utf8') ?? '')).getFirstSubcomponent('vevent')!,
    );
    expect(event.uid).toBe('visit-iv-7@orion-telecom.example');
    expect(event.sequence).toBe(1);
  });

  it('keeps the configured From when a message names no sender', async () => {
    const before = sink.received.length;
    await sender.send({
      id: 'm-plain',
      to: [{ address: 'a@example.org' }],
      cc: [],
      replyTo: null,
      subject: 's',
      html: '<p>x</p>',
      text: 'x',
    });
    const received = (await sink.waitFor(before + 1))[before]!;
    expect(received.mail.from?.value).toEqual([{ name: 'Orion Télécom', address: 'projets@orion-telecom.example' }]);
    expect(addressOf('jalon@orion-telecom.example')).toBe('jalon@orion-telecom.example');
  });
});
