import { sql } from 'drizzle-orm';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProjectInput } from '../../src/projects/schema.js';
import { typesetText } from '../../src/render/typography.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { BACKENDS } from '../helpers/db.js';
import { loadFixtures } from '../helpers/fixtures.js';

/**
 * The template catalogue and previews as a sender's tool sees them: what each template needs,
 * what it renders with its sample, with the sender's blocks, and with every stored sample order.
 */

const EMAIL_KEYS = ['accuse-reception', 'avis-intervention', 'cloture', 'relance-bilan', 'rle-recap'];
const CATALOGUE = [
  { key: 'accuse-reception', channel: 'email', milestone: 'clientContact', audience: 'main' },
  { key: 'annulation-intervention', channel: 'email', milestone: 'intervention', audience: 'main' },
  { key: 'annulation-intervention-sms', channel: 'sms', milestone: 'intervention', audience: 'main' },
  { key: 'avis-intervention', channel: 'email', milestone: 'intervention', audience: 'main' },
  { key: 'cloture', channel: 'email', milestone: 'deploymentEnd', audience: 'main' },
  { key: 'modification-intervention', channel: 'email', milestone: 'intervention', audience: 'main' },
  { key: 'rappel-intervention', channel: 'sms', milestone: 'intervention', audience: 'main' },
  { key: 'relance-bilan', channel: 'email', milestone: 'surveySent', audience: 'main' },
  { key: 'rle-recap', channel: 'email', milestone: 'rle', audience: 'all' },
];
const KEYS = CATALOGUE.map((t) => t.key);

const FIXTURES = loadFixtures();
const byRef = (ref: string) => {
  const fixture = FIXTURES.find((f) => f.orderNumber === ref);
  if (!fixture) throw new Error(`no fixture ${ref}`);
  return fixture;
};

/** What the intervention templates need: a visit to the order's first site, with an offset. */
const visitOf = (fixture: ProjectInput) => ({
  kind: 'access',
  siteRef: fixture.sites[0]?.ref,
  windowStart: '2026-06-02T08:00:00+02:00',
  windowEnd: '2026-06-02T12:00:00+02:00',
});
const dataFor = (key: string, fixture: ProjectInput) =>
  key === 'modification-intervention'
    ? {
        ...visitOf(fixture),
        windowStart: '2026-06-03T08:00:00+02:00',
        windowEnd: '2026-06-03T12:00:00+02:00',
        previous: visitOf(fixture),
      }
    : key.includes('-intervention')
      ? visitOf(fixture)
      : {};

const PREVIEW_CELLS = FIXTURES.flatMap((fixture) => KEYS.map((key) => ({ order: fixture.orderNumber, key })));

interface ErrorBody {
  error: { code: string; message: string; details?: { path: string; message: string }[] };
}
interface Recipient {
  address: string;
  name?: string;
  contactId?: string;
}
interface EmailPreview {
  channel: 'email';
  subject: string;
  html: string;
  text: string;
  fromName: string;
  replyTo: string;
  attachments: { filename: string; contentType: string; content: string }[];
  warnings: string[];
}
interface SmsPreview {
  channel: 'sms';
  body: string;
  encoding: string;
  segments: number;
  length: number;
  warnings: string[];
}

const paths = (response: LightMyRequestResponse) =>
  ((response.json() as ErrorBody).error.details ?? []).map((d) => d.path);

describe.each(BACKENDS)('templates API on %s', (backend) => {
  let t: TestApp;
  const get = (url: string, key = t.adminKey) => t.request(key, { method: 'GET', url });
  const post = (url: string, payload?: unknown, key = t.adminKey) =>
    t.request(key, { method: 'POST', url, ...(payload === undefined ? {} : { payload }) });
  const messageCount = async () =>
    (
      (await t.deps.db.execute(sql`select count(*)::int as n from messages`)) as unknown as {
        rows: { n: number }[];
      }
    ).rows[0]?.n;

  beforeAll(async () => {
    t = await createTestApp(backend);
    for (const fixture of FIXTURES) {
      const put = await t.request(t.adminKey, {
        method: 'PUT',
        url: `/v1/projects/${fixture.orderNumber}`,
        payload: fixture,
      });
      expect(put.statusCode, put.body).toBe(201);
    }
  });
  afterAll(async () => t?.close());

  describe('brand images', () => {
    it('serves the logo the mails show, to any origin, without a key; nothing else', async () => {
      const preview = (await post('/v1/templates/relance-bilan/preview', {})).json() as EmailPreview;
      const src = /<img src="([^"]+)"[^>]*class="jl-logo"/.exec(preview.html)?.[1] ?? '';
      expect(src).toBe(`${t.deps.config.PUBLIC_BASE_URL}/assets/logo-orion-telecom.png`);
      const logo = await t.app.inject({ method: 'GET', url: new URL(src).pathname });
      expect(logo.statusCode).toBe(200);
      expect(logo.headers['content-type']).toBe('image/png');
      expect(logo.headers['cross-origin-resource-policy']).toBe('cross-origin');
      expect(logo.rawPayload.subarray(1, 4).toString()).toBe('PNG');
      for (const url of ['/assets/nope.png', '/assets/..%2Fbrand.json', '/assets/README.md'])
        expect((await t.app.inject({ method: 'GET', url })).statusCode, url).toBe(404);
    });
  });

  describe('catalogue', () => {
    it('GET /v1/templates lists the templates with channel, milestone and audience', async () => {
      const response = await get('/v1/templates');
      expect(response.statusCode, response.body).toBe(200);
      const { templates } = response.json() as { templates: { key: string; description: string }[] };
      const sorted = [...templates].sort((a, b) => a.key.localeCompare(b.key));
      expect(sorted).toEqual(CATALOGUE.map((entry) => ({ ...entry, description: expect.any(String) })));
      for (const template of templates) expect(template.description.length).toBeGreaterThan(20);
    });

    it.each(KEYS)('GET /v1/templates/%s gives its variables, editable blocks and sample', async (key) => {
      const response = await get(`/v1/templates/${key}`);
      expect(response.statusCode, response.body).toBe(200);
      const detail = response.json() as {
        key: string;
        variables: { type: string; properties: Record<string, unknown>; required?: string[] };
        blocks: { name: string; label: string; default: string; maxLength: number; required: boolean }[];
        sample: { project: { orderNumber: string }; data: Record<string, unknown>; blocks: Record<string, string> };
      };
      expect(detail).toMatchObject(CATALOGUE.find((entry) => entry.key === key) ?? {});
      expect(detail.variables.type).toBe('object');
      expect(detail.variables.properties).toEqual(expect.any(Object));
      for (const block of detail.blocks) {
        expect(block).toEqual({
          name: expect.stringMatching(/^[a-z][A-Za-z]+$/),
          label: expect.any(String),
          default: expect.any(String),
          maxLength: expect.any(Number),
          required: expect.any(Boolean),
        });
        expect(block.default.length).toBeLessThanOrEqual(block.maxLength);
        // A required block must render something even when the sender leaves it as it is.
        if (block.required) expect(block.default).not.toBe('');
      }
      expect(detail.sample.project.orderNumber).toEqual(expect.any(String));
      expect(detail.sample.data).toEqual(expect.any(Object));
      // The sample only fills blocks the template has.
      const names = detail.blocks.map((b) => b.name);
      for (const name of Object.keys(detail.sample.blocks)) expect(names).toContain(name);
      if (CATALOGUE.find((entry) => entry.key === key)?.channel === 'sms') {
        expect(names).toEqual([]);
      } else {
        expect(names).toEqual(expect.arrayContaining(['personalMessage', 'closing']));
        const personal = detail.blocks.find((b) => b.name === 'personalMessage');
        expect(personal).toMatchObject({ default: '', required: false, maxLength: 2000 });
      }
    });

    it('the intervention templates describe the visit they need', async () => {
      for (const key of KEYS.filter((k) => k.includes('-intervention'))) {
        const { variables } = (await get(`/v1/templates/${key}`)).json() as {
          variables: { properties: Record<string, { enum?: string[] }>; required: string[] };
        };
        expect(Object.keys(variables.properties)).toEqual(
          expect.arrayContaining(['siteRef', 'kind', 'windowStart', 'windowEnd']),
        );
        expect(variables.properties.kind?.enum).toEqual(['access', 'service']);
        expect(variables.required).toEqual(expect.arrayContaining(['kind', 'windowStart', 'windowEnd']));
        expect(variables.required).not.toContain('siteRef');
      }
    });

    it('an unknown template is a 404, for its detail and its preview', async () => {
      for (const response of [
        await get('/v1/templates/bienvenue'),
        await post('/v1/templates/bienvenue/preview', {}),
        await post('/v1/templates/bienvenue/preview', { blocks: { personalMessage: 'x' } }),
      ]) {
        expect(response.statusCode, response.body).toBe(404);
        expect((response.json() as ErrorBody).error.message).toContain('bienvenue');
      }
    });
  });

  describe('POST /v1/templates/{key}/preview', () => {
    // "Render with the sample payload" is a bare POST: Fastify hands the route a null body then.
    it.each(KEYS)('%s: a POST with no body at all renders the sample', async (key) => {
      const response = await post(`/v1/templates/${key}/preview`);
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toEqual(JSON.parse(JSON.stringify(t.deps.renderer.renderSample(key))));
      expect((await post('/v1/templates/bienvenue/preview')).statusCode).toBe(404);
    });

    it.each(EMAIL_KEYS)('%s: with an empty body, renders its sample (subject, html, text)', async (key) => {
      const response = await post(`/v1/templates/${key}/preview`, {});
      expect(response.statusCode, response.body).toBe(200);
      const preview = response.json() as EmailPreview;
      expect(preview).toEqual({
        channel: 'email',
        subject: expect.stringMatching(/\S/),
        html: expect.stringMatching(/^<!doctype html>/i),
        text: expect.stringMatching(/\S/),
        fromName: expect.stringMatching(/ – Orion Télécom$/),
        replyTo: expect.stringMatching(/@/),
        attachments: expect.any(Array),
        warnings: expect.any(Array),
      });
      expect(preview.subject).not.toMatch(/\n|\s{2}/);
      expect(preview.html).toContain('</html>');
      // Exactly what the renderer gives for the sample.
      expect(preview).toEqual(JSON.parse(JSON.stringify(t.deps.renderer.renderSample(key))));
      // The sample's blocks are in both parts.
      const { sample } = (await get(`/v1/templates/${key}`)).json() as { sample: { blocks: Record<string, string> } };
      for (const value of Object.values(sample.blocks)) {
        // In French typography (curly apostrophes, narrow no-break spaces), not otherwise changed.
        expect(preview.text).toContain(typesetText(value));
        expect(preview.html).toContain(typesetText(value));
      }
    });

    it('rappel-intervention: with an empty body, renders its sample SMS in one GSM-7 segment', async () => {
      const response = await post('/v1/templates/rappel-intervention/preview', {});
      expect(response.statusCode, response.body).toBe(200);
      const preview = response.json() as SmsPreview;
      expect(preview).toMatchObject({ channel: 'sms', encoding: 'GSM-7', segments: 1 });
      expect(preview.body).toMatch(/\S/);
      expect(preview.length).toBeLessThanOrEqual(160);
      expect(preview).not.toHaveProperty('html');
    });

    it.each(EMAIL_KEYS)('%s: the personal message is shown in html and text, escaped, links kept', async (key) => {
      const personalMessage =
        'Bonjour <script>alert("x")</script> & <b>merci</b> !\n' +
        'Le planning : https://planning.example/p?a=1&b=2.\n' +
        'Et pas ceci : javascript:alert(1)';
      const response = await post(`/v1/templates/${key}/preview`, { blocks: { personalMessage } });
      expect(response.statusCode, response.body).toBe(200);
      const { html, text } = response.json() as EmailPreview;

      expect(html).not.toContain('<script');
      expect(html).not.toContain('<b>merci');
      expect(html).toContain(
        'Bonjour &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;merci&lt;/b&gt;\u202f!',
      );
      expect(html).toMatch(
        /<a href="https:\/\/planning\.example\/p\?a=1&amp;b=2"[^>]*>https:\/\/planning\.example\/p\?a=1&amp;b=2<\/a>\./,
      );
      expect(html).not.toMatch(/href="\s*javascript:/i);
      expect(html).toContain('Et pas ceci\u202f: javascript:alert(1)');
      // The text part is plain text: the message as written (and typeset), line by line.
      for (const line of personalMessage.split('\n')) expect(text).toContain(typesetText(line));
    });

    it('an unknown block is a 400 naming it', async () => {
      const response = await post('/v1/templates/accuse-reception/preview', {
        blocks: { signature: 'Cordialement', personalMessage: 'Bonjour' },
      });
      expect(response.statusCode, response.body).toBe(400);
      expect(paths(response)).toEqual(['blocks.signature']);
      const { error } = response.json() as ErrorBody;
      expect(error.message).toMatch(/^blocks\.signature: /);
      expect(error.message).toContain('personalMessage');
      // An SMS has no block at all.
      const sms = await post('/v1/templates/rappel-intervention/preview', { blocks: { personalMessage: 'x' } });
      expect(sms.statusCode, sms.body).toBe(400);
      expect(paths(sms)).toEqual(['blocks.personalMessage']);
    });

    it('an over-long block is a 400 naming blocks.<name>; a required block cannot be emptied', async () => {
      const long = await post('/v1/templates/cloture/preview', { blocks: { personalMessage: 'a'.repeat(2001) } });
      expect(long.statusCode, long.body).toBe(400);
      expect(paths(long)).toEqual(['blocks.personalMessage']);
      expect((long.json() as ErrorBody).error.message).toMatch(/^blocks\.personalMessage: .*2000/);
      const fits = await post('/v1/templates/cloture/preview', { blocks: { personalMessage: 'a'.repeat(2000) } });
      expect(fits.statusCode, fits.body).toBe(200);

      const emptied = await post('/v1/templates/cloture/preview', { blocks: { closing: '   ' } });
      expect(emptied.statusCode, emptied.body).toBe(400);
      expect(paths(emptied)).toEqual(['blocks.closing']);
    });

    it.each(['avis-intervention', 'rappel-intervention'])(
      '%s: a window ending before it starts is a 400 naming data.windowEnd',
      async (key) => {
        const response = await post(`/v1/templates/${key}/preview`, {
          data: { windowStart: '2026-04-28T12:00:00+02:00', windowEnd: '2026-04-28T08:00:00+02:00' },
        });
        expect(response.statusCode, response.body).toBe(400);
        expect(paths(response)).toEqual(['data.windowEnd']);
        expect((response.json() as ErrorBody).error.message).toMatch(/^data\.windowEnd: /);
      },
    );

    it('other bad data is named too: unknown field, wrong kind, date without offset', async () => {
      const cases: [string, Record<string, unknown>, string][] = [
        // zod reports an unknown key on the object holding it; its message names the key.
        ['accuse-reception', { videoUrl: 'https://x.example' }, 'data'],
        ['accuse-reception', { prerequisitesVideoUrl: 'javascript:alert(1)' }, 'data.prerequisitesVideoUrl'],
        ['avis-intervention', { kind: 'repair' }, 'data.kind'],
        ['avis-intervention', { windowStart: '2026-04-28T08:00:00' }, 'data.windowStart'],
        ['avis-intervention', { siteRef: 'SU9999999' }, 'data.siteRef'],
      ];
      for (const [key, data, path] of cases) {
        const response = await post(`/v1/templates/${key}/preview`, { data });
        expect(response.statusCode, `${key} ${JSON.stringify(data)}: ${response.body}`).toBe(400);
        expect(paths(response)[0], response.body).toBe(path);
        if (path === 'data') expect((response.json() as ErrorBody).error.message).toContain('videoUrl');
      }
      const unknownField = await post('/v1/templates/cloture/preview', { blocks: {}, recipients: [] });
      expect(unknownField.statusCode).toBe(400);
      expect(paths(unknownField)).toEqual(['body.recipients']);
    });
  });

  describe('POST /v1/messages/preview with the stored sample orders', () => {
    it.each(PREVIEW_CELLS)('$order with $key: rendered, recipients shown, nothing stored', async ({ order, key }) => {
      const fixture = byRef(order);
      const before = await messageCount();
      const response = await post('/v1/messages/preview', {
        projectRef: order,
        template: key,
        data: dataFor(key, fixture),
      });
      expect(response.statusCode, response.body).toBe(200);
      const preview = response.json() as (EmailPreview | SmsPreview) & {
        template: string;
        recipients: { to: Recipient[]; cc: Recipient[] };
      };
      expect(preview.template).toBe(key);
      expect(preview.channel).toBe(CATALOGUE.find((entry) => entry.key === key)?.channel);
      expect(await messageCount()).toBe(before);

      const { to, cc } = preview.recipients;
      expect(to.length).toBeGreaterThan(0);
      const addresses = [...to, ...cc].map((r) => r.address.toLowerCase());
      expect(new Set(addresses).size).toBe(addresses.length);

      if (preview.channel === 'sms') {
        expect(cc).toEqual([]);
        const site = fixture.sites[0];
        const siteContact = fixture.contacts.find((c) => c.id === site?.contactId);
        expect(to).toEqual([expect.objectContaining({ address: siteContact?.mobile, contactId: siteContact?.id })]);
        expect(preview).toMatchObject({ encoding: 'GSM-7', segments: 1 });
        return;
      }

      expect(preview.subject).toMatch(/\S/);
      expect(preview.text).toMatch(/\S/);
      expect(cc).toEqual([expect.objectContaining({ address: fixture.rac.email })]);
      if (key === 'rle-recap') {
        // Every client contact, once per address.
        const expected = [...new Set(fixture.contacts.flatMap((c) => (c.email ? [c.email] : [])))];
        expect(to.map((r) => r.address).sort()).toEqual(expected.sort());
      } else if (key.includes('-intervention')) {
        // A visit's messages go to the contact of its site.
        const site = fixture.sites[0];
        const contact = fixture.contacts.find((c) => c.id === site?.contactId);
        expect(to.map((r) => r.contactId)).toEqual([contact?.id]);
      } else {
        expect(to.map((r) => r.contactId)).toEqual([fixture.contacts.find((c) => c.role === 'main')?.id]);
      }
      if (key === 'accuse-reception' && fixture.sites.length <= 10) {
        for (const site of fixture.sites) expect(preview.html, site.ref).toContain(site.ref);
        for (const site of fixture.sites) expect(preview.text, site.ref).toContain(site.ref);
      } else if (key === 'accuse-reception') {
        // A large order: the mail summarises, the attached list names every site.
        const [csv] = preview.attachments;
        for (const site of fixture.sites) expect(csv?.content, site.ref).toContain(site.ref);
      }
    });

    it('a preview for an unknown order or template is a 404 naming the field', async () => {
      const order = await post('/v1/messages/preview', { projectRef: 'CMD-NOPE', template: 'cloture' });
      expect(order.statusCode).toBe(404);
      expect((order.json() as ErrorBody).error.message).toMatch(/^body\.projectRef: /);
      const template = await post('/v1/messages/preview', { projectRef: FIXTURES[0]?.orderNumber, template: 'nope' });
      expect(template.statusCode).toBe(404);
      expect((template.json() as ErrorBody).error.message).toMatch(/^body\.template: /);
    });
  });

  describe('RAC profile in the signature', () => {
    const fixture = byRef('CMD-2026-000101');
    const RAC = fixture.rac.id;

    it('PUT /v1/racs/{id} sets how the RAC signs, and previews use it', async () => {
      const racKey = await t.key({ name: 'rac own', role: 'rac', agency: fixture.agency, racId: RAC });
      const profile = {
        displayName: 'Baptiste Roux-Delmas',
        title: 'Chef de projet Entreprises',
        phone: '06 12 34 56 78',
      };
      const put = await t.request(racKey, { method: 'PUT', url: `/v1/racs/${RAC}`, payload: profile });
      expect(put.statusCode, put.body).toBe(200);
      expect(put.json()).toMatchObject({ id: RAC, ...profile, phone: '+33612345678' });
      expect((await get(`/v1/racs/${RAC}`, racKey)).json()).toMatchObject({ displayName: profile.displayName });

      for (const key of EMAIL_KEYS) {
        const response = await post(
          '/v1/messages/preview',
          { projectRef: fixture.orderNumber, template: key, data: dataFor(key, fixture) },
          racKey,
        );
        expect(response.statusCode, response.body).toBe(200);
        const { html, text } = response.json() as EmailPreview;
        for (const part of [html, text]) {
          expect(part).toContain(profile.displayName);
          expect(part).toContain(profile.title);
          expect(part).toContain('06\u202f12\u202f34\u202f56\u202f78');
        }
        expect(html).toContain('href="tel:+33612345678"');
        // The profile replaces the order's RAC name and the default title.
        expect(text).not.toContain(`${fixture.rac.firstName} ${fixture.rac.lastName}\n`);
        expect(text).not.toContain('Votre Responsable Affaire Client ·');
      }
      // The SMS gives the profile's phone too.
      const sms = await post('/v1/messages/preview', {
        projectRef: fixture.orderNumber,
        template: 'rappel-intervention',
        data: visitOf(fixture),
      });
      expect((sms.json() as SmsPreview).body).toContain('06 12 34 56 78');
    });

    it('stores the grammatical gender of a profile, f or m only', async () => {
      const put = await t.request(t.adminKey, {
        method: 'PUT',
        url: `/v1/racs/${RAC}`,
        payload: { displayName: 'Léa Roux', gender: 'f' },
      });
      expect(put.statusCode, put.body).toBe(200);
      expect((await get(`/v1/racs/${RAC}`)).json()).toMatchObject({ displayName: 'Léa Roux', gender: 'f' });
      const bad = await t.request(t.adminKey, {
        method: 'PUT',
        url: `/v1/racs/${RAC}`,
        payload: { displayName: 'Léa Roux', gender: 'x' },
      });
      expect(bad.statusCode).toBe(400);
      expect(paths(bad)).toEqual(['body.gender']);
    });

    it('a RAC key may only set its own profile', async () => {
      const racKey = await t.key({ name: 'rac own', role: 'rac', agency: fixture.agency, racId: RAC });
      const other = await t.request(racKey, {
        method: 'PUT',
        url: '/v1/racs/rac-laurent',
        payload: { displayName: 'Usurpateur' },
      });
      expect(other.statusCode, other.body).toBe(403);
      expect((other.json() as ErrorBody).error.code).toBe('forbidden');
      expect((await get('/v1/racs/rac-laurent')).statusCode).toBe(404);
      const manager = await t.key({ name: 'manager', role: 'manager', agency: fixture.agency });
      const byManager = await t.request(manager, {
        method: 'PUT',
        url: `/v1/racs/${RAC}`,
        payload: { displayName: 'Usurpateur' },
      });
      expect(byManager.statusCode).toBe(403);
      expect((await get(`/v1/racs/${RAC}`)).json()).not.toMatchObject({ displayName: 'Usurpateur' });
    });

    it('a bad profile is a 400 naming the field, and nothing changes', async () => {
      const before = (await get(`/v1/racs/${RAC}`)).json() as unknown;
      for (const [payload, path] of [
        [{ displayName: 'Baptiste Roux', phone: 'pas un numéro' }, 'body.phone'],
        [{ displayName: 'Baptiste Roux', phone: '123' }, 'body.phone'],
        [{ displayName: '' }, 'body.displayName'],
        [{ title: 'RAC' }, 'body.displayName'],
        [{ displayName: 'Baptiste Roux', email: 'nope' }, 'body.email'],
        [{ displayName: 'Baptiste Roux', signature: 'x' }, 'body.signature'],
      ] as const) {
        const response = await t.request(t.adminKey, { method: 'PUT', url: `/v1/racs/${RAC}`, payload });
        expect(response.statusCode, `${JSON.stringify(payload)}: ${response.body}`).toBe(400);
        expect(paths(response)).toEqual([path]);
      }
      expect((await get(`/v1/racs/${RAC}`)).json()).toEqual(before);
    });

    // PUT /v1/racs validates with racProfileInputSchema, the renderer with racProfileSchema: a
    // profile stored by the first must not stop every message of the RAC's orders in the second.
    it.each([
      ['a display name of 81 to 100 characters', { displayName: `Baptiste ${'R'.repeat(80)}` }],
      ['a title of 81 to 100 characters', { displayName: 'Baptiste Roux', title: `Chef ${'p'.repeat(80)}` }],
      ['an http photo URL', { displayName: 'Baptiste Roux', photoUrl: 'http://static.example/roux.png' }],
    ])('a profile the API stores can sign a message: %s', async (_label, profile) => {
      const before = (await get(`/v1/racs/${RAC}`)).json() as Record<string, string>;
      try {
        const put = await t.request(t.adminKey, { method: 'PUT', url: `/v1/racs/${RAC}`, payload: profile });
        if (put.statusCode === 400) return; // refused where it is given: consistent too
        expect(put.statusCode, put.body).toBe(200);
        const preview = await post('/v1/messages/preview', { projectRef: fixture.orderNumber, template: 'cloture' });
        expect(preview.statusCode, preview.body).toBe(200);
      } finally {
        const { displayName, title, phone } = before;
        await t.request(t.adminKey, { method: 'PUT', url: `/v1/racs/${RAC}`, payload: { displayName, title, phone } });
      }
    });
  });
});
