import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEml, type Renderer } from '../../../src/render/index.js';
import { escapedLikeHandlebars, repeatedParagraphs } from '../../../src/render/check.js';
import { sampleDataFor } from '../../../src/render/samples.js';
import { displayText, typesetText } from '../../../src/render/typography.js';
import { asEmail, fixtures, newRenderer } from './support.js';

const LISTS_SITES = new Set(['accuse-reception', 'rle-recap', 'cloture']);
const KEYS = [
  'accuse-reception',
  'annulation-intervention',
  'annulation-intervention-sms',
  'avis-intervention',
  'cloture',
  'modification-intervention',
  'rappel-intervention',
  'relance-bilan',
  'rle-recap',
];

let renderer: Renderer;
beforeAll(async () => {
  renderer = await newRenderer();
});
afterAll(() => renderer.close());

describe('catalogue', () => {
  it('lists the templates of the design and the visit changes with their channel and milestone', () => {
    const list = renderer.list();
    expect(list.map((item) => item.key).sort()).toEqual(KEYS);
    expect(list.find((item) => item.key === 'rappel-intervention')).toMatchObject({
      channel: 'sms',
      milestone: 'intervention',
    });
    expect(list.find((item) => item.key === 'cloture')).toMatchObject({ channel: 'email', milestone: 'deploymentEnd' });
  });

  it('describes variables as JSON schema, blocks with limits, and a complete sample', () => {
    const detail = renderer.get('avis-intervention');
    expect(detail?.variables).toMatchObject({
      type: 'object',
      properties: { windowStart: { type: 'string' }, kind: { enum: ['access', 'service'] } },
    });
    expect(detail?.blocks.map((block) => block.name)).toEqual(['personalMessage', 'additionalInfo', 'closing']);
    expect(detail?.blocks.find((block) => block.name === 'closing')).toMatchObject({ required: true, maxLength: 500 });
    expect(detail?.sample).toMatchObject({ project: { orderNumber: expect.any(String) }, data: { kind: 'access' } });
    expect(renderer.get('nope')).toBeUndefined();
  });
});

describe.each(KEYS)('%s', (key) => {
  it.each(fixtures().map((item) => [item.name, item.project] as const))(
    'renders with order %s',
    async (_name, project) => {
      const sample = renderer.get(key)?.sample as { data: Record<string, unknown>; blocks: Record<string, string> };
      const result = renderer.render(key, {
        project,
        data: sampleDataFor(sample.data, project),
        blocks: sample.blocks,
      });
      if (result.channel === 'sms') {
        expect(result.body).toContain(project.sites[0]?.name ?? '');
        expect(result.body).not.toContain('{{');
        return;
      }
      expect(result.html).not.toContain('{{');
      expect(result.html).not.toMatch(/<script/i);
      expect(result.text).not.toContain('{{');
      expect(result.text).toContain(project.trackingNumber);
      expect(result.html).toContain(project.trackingNumber);
      expect(repeatedParagraphs(result.text)).toEqual([]);
      const htmlParagraphs = [...result.html.matchAll(/<div\s+style="font-family:[^"]*"\s*>([\s\S]*?)<\/div>/g)].map(
        (m) => m[1]!.trim(),
      );
      expect(htmlParagraphs.length).toBeGreaterThan(5);
      expect(htmlParagraphs.filter((text, index) => htmlParagraphs.indexOf(text) !== index)).toEqual([]);
      // The text part is laid out as written: greeting and sign-off are paragraphs of their own.
      expect(result.text).toMatch(/\n\nBonjour[^\n]*,\n\n/);
      expect(result.text).toMatch(/\.\n\nBien cordialement,\n\n/);
      if (LISTS_SITES.has(key)) {
        // Up to ten sites, each one in the mail; above, in the attached list.
        const csv = result.attachments[0]?.content;
        expect(csv === undefined).toBe(project.sites.length <= 10);
        for (const site of project.sites) {
          if (csv) {
            expect(csv).toContain(site.ref);
            continue;
          }
          expect(result.html).toContain(site.ref);
          expect(result.html).toContain(escapedLikeHandlebars(displayText(site.name)));
          expect(result.text).toContain(site.ref);
        }
      }

      const eml = await buildEml(result, {
        from: `"${result.fromName}" <projets@orion-telecom.example>`,
        to: ['client@example.org'],
        cc: [project.rac.email],
        replyTo: project.rac.email,
      });
      const parsed = await simpleParser(eml);
      // Text and HTML as alternatives; with the site list attached, inside multipart/mixed.
      expect(parsed.headers.get('content-type')).toMatchObject({
        value: result.attachments.length > 0 ? 'multipart/mixed' : 'multipart/alternative',
      });
      expect(parsed.attachments.map((file) => file.filename)).toEqual(result.attachments.map((file) => file.filename));
      expect(parsed.subject).toBe(result.subject);
      expect(parsed.messageId).toMatch(/^<.+@orion-telecom\.example>$/);
      expect(parsed.date).toBeInstanceOf(Date);
      expect(parsed.text?.trim()).toBe(result.text.trim());
      expect(parsed.text?.trim().length).toBeGreaterThan(200);
      expect(parsed.html).toContain(project.trackingNumber);
    },
  );
});

describe('.eml', () => {
  it('keeps accents of the subject and the given Message-ID and Date', async () => {
    const result = asEmail(renderer.renderSample('accuse-reception'));
    expect(result.subject).toMatch(/enregistrée/);
    const date = new Date('2026-04-02T09:30:00Z');
    const eml = await buildEml(result, {
      from: 'jalon@orion-telecom.example',
      to: ['a@example.org'],
      messageId: '<fixed@orion-telecom.example>',
      date,
    });
    const raw = eml.toString('utf8');
    expect(raw).not.toContain('enregistrée'); // header encoded (RFC 2047), not raw 8-bit
    const parsed = await simpleParser(eml);
    expect(parsed.subject).toBe(result.subject);
    expect(parsed.messageId).toBe('<fixed@orion-telecom.example>');
    expect(parsed.date?.toISOString()).toBe(date.toISOString());
  });
});

describe('brand layout', () => {
  it('carries tracking number, RAC block, portal banner, anti-phishing notice and social links in both parts', () => {
    const result = asEmail(renderer.renderSample('relance-bilan'));
    for (const part of [result.html, result.text]) {
      expect(part).toContain('SUIVI-000321');
      expect(part).toContain('Baptiste Roux');
      expect(part).toContain('06\u202f39\u202f98\u202f01\u202f04');
      expect(part).toContain('https://espace-client.orion-telecom.example/entreprises');
      expect(part).toContain('ne vous demandera jamais votre mot de passe ni votre numéro de carte bancaire');
      expect(part).toContain('https://www.linkedin.com/company/orion-telecom-example');
    }
    expect(result.text.split('\n')[0]).toBe(
      'Orion Télécom · Commande CMD-2026-000321 · Numéro de suivi\u202f: SUIVI-000321',
    );
    expect(result.text).toContain(
      typesetText(
        '\n\nBien cordialement,\n\nBaptiste Roux\nVotre Responsable Affaire Client · Orion Télécom\nTél. : 06 39 98 01 04\nMail : b.roux@orion-telecom.example\n\n--\n',
      ),
    );
    expect(result.html).toContain('href="tel:+33639980104"');
    expect(result.html).toContain('<html lang="fr"');
  });

  it('names the order number in the subject of the acknowledgement', () => {
    const project = fixtures()[0]!.project;
    const result = asEmail(renderer.render('accuse-reception', { project }));
    expect(result.subject).toContain(project.orderNumber);
  });
});
