import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../../src/errors.js';
import type { Renderer } from '../../../src/render/index.js';
import { escapedLikeHandlebars, HOSTILE_BLOCK, HOSTILE_NAME } from '../../../src/render/check.js';
import { displayText } from '../../../src/render/typography.js';
import { asEmail, fixture, newRenderer, thrown } from './support.js';

let renderer: Renderer;
beforeAll(async () => {
  renderer = await newRenderer();
});
afterAll(() => renderer.close());

const project = fixture('CMD-2026-000102');
const visit = {
  siteRef: 'SU1020002',
  kind: 'access',
  windowStart: '2026-06-02T08:00:00+02:00',
  windowEnd: '2026-06-02T12:00:00+02:00',
};

describe('hostile input', () => {
  const hostileProject = {
    ...project,
    contacts: project.contacts.map((contact) => ({ ...contact, firstName: HOSTILE_NAME, lastName: HOSTILE_NAME })),
  };
  const result = () =>
    asEmail(
      renderer.render('accuse-reception', {
        project: hostileProject,
        blocks: {
          personalMessage: HOSTILE_BLOCK,
          additionalInfo: 'Voir https://example.org/doc?a=1&b=2. Ou écrivez à mailto:aide@example.org !',
          closing: HOSTILE_BLOCK,
        },
        racProfile: { displayName: HOSTILE_NAME },
      }),
    );

  it('escapes markup, quotes, ampersands and mustaches in blocks and names', () => {
    const { html } = result();
    expect(html).not.toMatch(/<script/i);
    // Typography turns the quotes into guillemets; the markup stays escaped text.
    expect(html).toContain(
      '&lt;script&gt;alert(1)&lt;/script&gt; «\u202fquotes\u202f» Tom &amp; Jerry &#123;&#123;x}}',
    );
    expect(html).toContain(
      escapedLikeHandlebars(displayText(`Bonjour Monsieur ${HOSTILE_NAME},`)).replaceAll('{{', '&#123;&#123;'),
    );
    expect(html).toContain('Bonjour Monsieur &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('{{');
    expect(html).toContain('🚀');
  });

  it('never turns javascript: into a link, but links http(s) and mailto addresses', () => {
    const { html } = result();
    expect(html).not.toMatch(/href\s*=\s*["']?\s*javascript:/i);
    expect(html).toContain('javascript:alert(1) &lt;a href=&quot;javascript:alert(1)&quot;&gt;clic&lt;/a&gt;');
    expect(html).toContain(
      '<a href="https://example.org/doc?a=1&amp;b=2" style="color:#0b4f8a;text-decoration:underline;">https://example.org/doc?a=1&amp;b=2</a>.',
    );
    expect(html).toContain(
      '<a href="mailto:aide@example.org" style="color:#0b4f8a;text-decoration:underline;">aide@example.org</a>\u202f!',
    );
  });

  it('keeps the text part as the sender wrote it (it is not HTML)', () => {
    const { text } = result();
    expect(text).toContain(displayText(HOSTILE_BLOCK));
    expect(text).toContain('<script>alert(1)</script>');
    expect(text).toContain(displayText(`Bonjour Monsieur ${HOSTILE_NAME},`));
  });

  it('cannot alter the brand layout through the RAC profile', () => {
    const error = thrown(() =>
      renderer.render('accuse-reception', {
        project,
        racProfile: { displayName: 'X', photoUrl: 'javascript:alert(1)' },
      }),
    );
    expect(error).toMatchObject({
      statusCode: 400,
      code: 'invalid_rac_profile',
      message: 'racProfile.photoUrl: an https URL',
    });
    const signed = asEmail(
      renderer.render('accuse-reception', {
        project,
        racProfile: {
          displayName: 'Claire Martin',
          title: 'Cheffe de projet',
          photoUrl: 'https://cdn.example.org/claire.jpg',
        },
      }),
    );
    expect(signed.html).toMatch(/<strong[^>]*>Claire Martin<\/strong>/);
    expect(signed.html).toContain('<img src="https://cdn.example.org/claire.jpg"');
    expect(signed.text).toContain(
      'Claire Martin\nCheffe de projet · Orion Télécom\nTél.\u202f: 06\u202f39\u202f98\u202f01\u202f62\nMail\u202f: l.laurent@operateur.example',
    );
  });
});

describe('blocks', () => {
  it('accepts a block at its limit and rejects one beyond, naming the block', () => {
    expect(() =>
      renderer.render('accuse-reception', { project, blocks: { personalMessage: 'a'.repeat(2000) } }),
    ).not.toThrow();
    const error = thrown(() =>
      renderer.render('accuse-reception', { project, blocks: { personalMessage: 'a'.repeat(2001) } }),
    );
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({
      statusCode: 400,
      code: 'invalid_blocks',
      message: 'blocks.personalMessage: at most 2000 characters',
    });
  });

  it('counts characters as people do (an emoji is one)', () => {
    expect(() => renderer.render('accuse-reception', { project, blocks: { closing: '🙂'.repeat(500) } })).not.toThrow();
  });

  it('rejects unknown blocks, non-string blocks and emptied required blocks, all at once', () => {
    const error = thrown(() =>
      renderer.render('accuse-reception', {
        project,
        blocks: { signature: 'x', closing: '  ', additionalInfo: 3 as unknown as string },
      }),
    );
    expect(error).toMatchObject({ statusCode: 400, code: 'invalid_blocks' });
    expect(error.details).toEqual([
      {
        path: 'blocks.signature',
        message: 'unknown block (expected one of: personalMessage, additionalInfo, closing)',
      },
      { path: 'blocks.additionalInfo', message: 'must be a string' },
      { path: 'blocks.closing', message: 'must not be empty' },
    ]);
    expect(
      thrown(() => renderer.render('rappel-intervention', { project, data: visit, blocks: { note: 'x' } })).message,
    ).toBe('blocks.note: unknown block (this template has no editable block)');
  });

  it('turns line breaks into paragraphs and breaks, without empty paragraphs for empty blocks', () => {
    const { html } = asEmail(
      renderer.render('accuse-reception', {
        project,
        blocks: { personalMessage: 'Ligne 1\r\nLigne 2\n\n\n\nParagraphe 2  ' },
      }),
    );
    expect(html).toContain('<p style="margin:0 0 12px 0;">Ligne 1<br>Ligne 2</p><p style="margin:0;">Paragraphe 2</p>');
    expect(html).not.toMatch(/<p[^>]*><\/p>/);
  });
});

describe('data', () => {
  it('validates data and names the path', () => {
    const bad = (data: Record<string, unknown>) =>
      thrown(() => renderer.render('avis-intervention', { project, data }));
    expect(bad({ ...visit, windowStart: '2026-06-02 08:00' })).toMatchObject({
      statusCode: 400,
      code: 'invalid_template_data',
      message: expect.stringMatching(/^data\.windowStart: /),
    });
    expect(bad({ ...visit, windowEnd: '2026-06-02T07:00:00+02:00' }).message).toBe(
      'data.windowEnd: must be after windowStart',
    );
    expect(bad({ ...visit, siteRef: 'SU999' }).message).toBe(
      'data.siteRef: unknown site "SU999" in order CMD-2026-000102',
    );
    expect(bad({ ...visit, siteRef: undefined }).message).toBe('data.siteRef: required: the order has several sites');
    expect(bad({ ...visit, kind: 'repair' }).message).toMatch(/^data\.kind: /);
    expect(bad({ ...visit, colour: 'red' }).message).toMatch(/^data: Unrecognized key: "colour"/);
    expect(
      thrown(() => renderer.render('cloture', { project, data: { exceptions: [{ siteRef: 'nope', note: 'x' }] } }))
        .message,
    ).toBe('data.exceptions.0.siteRef: unknown site "nope" in order CMD-2026-000102');
  });

  it('fails with a clear 400 when the project lacks a date the template needs', () => {
    const error = thrown(() => renderer.render('rle-recap', { project: { ...project, milestones: {} } }));
    expect(error).toMatchObject({
      statusCode: 400,
      message: 'data.meetingDate: required: the project has no RLE date',
    });
    expect(() =>
      renderer.render('rle-recap', { project: { ...project, milestones: {} }, data: { meetingDate: '2026-05-20' } }),
    ).not.toThrow();
  });

  it('unknown template is a 404', () => {
    expect(thrown(() => renderer.render('welcome', { project }))).toMatchObject({
      statusCode: 404,
      code: 'template_not_found',
    });
    expect(thrown(() => renderer.renderSample('welcome'))).toMatchObject({ statusCode: 404 });
  });

  it('defaults the survey link from the public base URL, and accepts another http(s) one only', () => {
    expect(asEmail(renderer.render('cloture', { project })).html).toContain(
      'href="https://jalon.example/satisfaction/lien-personnel"',
    );
    expect(
      thrown(() => renderer.render('cloture', { project, data: { surveyUrl: 'javascript:alert(1)' } })).message,
    ).toBe('data.surveyUrl: an http(s) URL');
  });
});

describe('very long values', () => {
  it('renders long names in full and keeps the subject on one line', () => {
    const long = {
      ...project,
      label: `Projet ${'très '.repeat(38)}long`,
      contacts: [{ ...project.contacts[0]!, lastName: 'X'.repeat(80), civility: 'Mme' as const }],
    };
    long.sites = long.sites.map((site) => ({ ...site, name: `${site.name} ${'N'.repeat(100)}` }));
    const result = asEmail(renderer.render('accuse-reception', { project: long }));
    expect(result.html).toContain(`Bonjour Madame ${'X'.repeat(80)},`);
    for (const site of long.sites) expect(result.html).toContain(site.name);
    expect(result.subject).not.toContain('\n');
  });
});
