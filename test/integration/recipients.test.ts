import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messages } from '../../src/db/schema.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { fixtureNames, loadFixture } from '../helpers/fixtures.js';

type Contact = ReturnType<typeof loadFixture>['contacts'][number];

/** The greeting a careful writer would put for one person, written out independently of the code. */
const expectedGreeting = (c: Contact) => {
  const civility = c.civility === 'Mme' ? 'Madame' : c.civility === 'M.' ? 'Monsieur' : undefined;
  if (civility) return `Bonjour ${civility} ${c.lastName},`;
  return c.firstName ? `Bonjour ${c.firstName} ${c.lastName},` : 'Bonjour,';
};

const EMAIL_TEMPLATES = ['accuse-reception', 'rle-recap', 'avis-intervention', 'cloture', 'relance-bilan'];

describe('who is greeted is who is addressed', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('postgres');
    for (const name of fixtureNames()) {
      const fixture = loadFixture(name);
      await t.request(t.adminKey, { method: 'PUT', url: `/v1/projects/${fixture.orderNumber}`, payload: fixture });
    }
  });
  afterAll(async () => t?.close());

  it('greets the To recipient for every template × sample order × recipient', async () => {
    let checked = 0;
    for (const name of fixtureNames()) {
      const fixture = loadFixture(name);
      const data = (template: string) =>
        template === 'avis-intervention'
          ? {
              siteRef: fixture.sites[0]?.ref,
              kind: 'access',
              windowStart: '2027-03-16T08:00:00+01:00',
              windowEnd: '2027-03-16T12:00:00+01:00',
            }
          : {};
      for (const template of EMAIL_TEMPLATES) {
        for (const contact of fixture.contacts.filter((c) => c.email)) {
          const preview = await t.request(t.adminKey, {
            method: 'POST',
            url: '/v1/messages/preview',
            payload: {
              projectRef: fixture.orderNumber,
              template,
              recipients: { to: [{ contactId: contact.id }] },
              data: data(template),
            },
          });
          expect(preview.statusCode, preview.body).toBe(200);
          const body = preview.json() as { text: string; recipients: { to: { address: string }[] } };
          expect(body.recipients.to.map((r) => r.address)).toEqual([contact.email]);
          expect(body.text, `${name} ${template} → ${contact.id}`).toContain(expectedGreeting(contact));
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(50);
  });

  it('greets every addressee together when a mail goes to several people', async () => {
    const fixture = loadFixture('CMD-2026-000103');
    const to = fixture.contacts.filter((c) => c.email).slice(0, 2);
    expect(to).toHaveLength(2);
    const preview = await t.request(t.adminKey, {
      method: 'POST',
      url: '/v1/messages/preview',
      payload: {
        projectRef: fixture.orderNumber,
        template: 'accuse-reception',
        recipients: { to: to.map((c) => ({ contactId: c.id })) },
      },
    });
    expect(preview.json().text).toContain('Bonjour à toutes et à tous,');
  });
});

describe('recipients policy', () => {
  let t: TestApp;
  let rac = '';
  const fixture = loadFixture('CMD-2026-000101');
  const create = (payload: Record<string, unknown>, key = rac) =>
    t.request(key, {
      method: 'POST',
      url: '/v1/messages',
      payload: { projectRef: fixture.orderNumber, draft: true, ...payload },
    });

  beforeAll(async () => {
    t = await createTestApp('postgres', { INTERNAL_EMAIL_DOMAINS: 'operateur.example' });
    await t.request(t.adminKey, { method: 'PUT', url: `/v1/projects/${fixture.orderNumber}`, payload: fixture });
    rac = await t.key({ name: 'rac', role: 'rac', agency: fixture.agency, racId: fixture.rac.id });
  });
  afterAll(async () => t?.close());

  it('refuses an address outside the order and the operator, naming it, and stores nothing', async () => {
    const before = await t.deps.db.$count(messages);
    const outside = await create({
      template: 'accuse-reception',
      recipients: { to: [{ email: 'someone@elsewhere.example' }] },
    });
    expect(outside.statusCode).toBe(400);
    expect(outside.json().error.details[0].path).toBe('body.recipients.to.0.email');
    const many = await create({
      template: 'accuse-reception',
      recipients: {
        to: [{ contactId: fixture.contacts[0]!.id }],
        cc: Array.from({ length: 50 }, (_, i) => ({ email: `list${i}@elsewhere.example` })),
      },
    });
    expect(many.statusCode).toBe(400);
    expect(await t.deps.db.$count(messages)).toBe(before);
  });

  it('accepts the operator’s own addresses and a contact named by address, and keeps the RAC in copy', async () => {
    const contact = fixture.contacts.find((c) => c.email)!;
    const created = await create({
      template: 'accuse-reception',
      recipients: { to: [{ email: contact.email }], cc: [{ email: 'chef.projet@operateur.example' }] },
    });
    expect(created.statusCode, created.body).toBe(201);
    const message = created.json();
    expect(message.to).toEqual([expect.objectContaining({ address: contact.email, contactId: contact.id })]);
    expect(message.cc.map((r: { address: string }) => r.address)).toEqual([
      'chef.projet@operateur.example',
      fixture.rac.email,
    ]);
    expect(message.content.text).toContain(expectedGreeting(contact));
  });

  it('refuses an SMS to a number outside the order or of another country', async () => {
    const data = { kind: 'access', windowStart: '2027-03-16T08:00:00+01:00', windowEnd: '2027-03-16T12:00:00+01:00' };
    const outside = await create({
      template: 'rappel-intervention',
      recipients: { to: [{ mobile: '+33612345678' }] },
      data,
    });
    expect(outside.statusCode).toBe(400);
    expect(outside.json().error.details[0].path).toBe('body.recipients.to.0.mobile');

    // A contact of the order whose mobile is Belgian.
    const abroad = {
      ...fixture,
      orderNumber: 'CMD-2026-000991',
      contacts: fixture.contacts.map((c, i) => (i === 0 ? { ...c, mobile: '+32470123456' } : c)),
    };
    expect(
      (await t.request(t.adminKey, { method: 'PUT', url: `/v1/projects/${abroad.orderNumber}`, payload: abroad }))
        .statusCode,
    ).toBe(201);
    const foreign = await t.request(rac, {
      method: 'POST',
      url: '/v1/messages',
      payload: {
        projectRef: abroad.orderNumber,
        template: 'rappel-intervention',
        draft: true,
        recipients: { to: [{ contactId: abroad.contacts[0]!.id }] },
        data,
      },
    });
    expect(foreign.statusCode).toBe(400);
    expect(foreign.json().error).toMatchObject({ code: 'recipient_not_allowed' });
    expect(foreign.json().error.details[0].path).toBe('body.recipients.to.0');
  });

  it('holds an SMS asked for outside the SMS hours until they open, whatever the template', async () => {
    const evening = await create({
      template: 'rappel-intervention',
      draft: false,
      sendAt: '2027-03-15T20:26:00+01:00',
      data: { kind: 'access', windowStart: '2027-03-16T08:00:00+01:00', windowEnd: '2027-03-16T12:00:00+01:00' },
    });
    expect(evening.statusCode, evening.body).toBe(201);
    expect(evening.json().sendAt).toBe('2027-03-16T07:00:00.000Z'); // Tuesday 08:00 in Paris
    expect(evening.json().warnings.join(' ')).toMatch(/SMS hours/);
  });
});
