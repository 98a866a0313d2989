import { describe, expect, it } from 'vitest';
import { frenchDate, frenchShortDate, frenchWindow } from '../../../src/render/dates.js';
import { blockToHtml, normaliseBlock, safeHref } from '../../../src/render/rich-text.js';

const LINK = 'color:red;';
const link = (href: string, label = href) => `<a href="${href}" style="${LINK}">${label}</a>`;

describe('blocks as HTML', () => {
  it('makes paragraphs from blank lines and breaks from single newlines', () => {
    expect(blockToHtml('Un\nDeux\n\nTrois', LINK)).toBe(
      '<p style="margin:0 0 12px 0;">Un<br>Deux</p><p style="margin:0;">Trois</p>',
    );
    expect(blockToHtml('  \n\n ', LINK)).toBe('');
    expect(normaliseBlock(' a \r\n\r\n\r\n\r\nb  ')).toBe('a\n\nb');
  });

  it('links http, https and mailto addresses, leaving sentence punctuation outside', () => {
    expect(blockToHtml('Voir https://example.org/a?b=1&c=2.', LINK)).toBe(
      `<p style="margin:0;">Voir ${link('https://example.org/a?b=1&amp;c=2')}.</p>`,
    );
    expect(blockToHtml('(http://example.org/x)', LINK)).toBe(
      `<p style="margin:0;">(${link('http://example.org/x')})</p>`,
    );
    expect(blockToHtml('https://fr.wikipedia.org/wiki/Orion_(constellation)', LINK)).toContain(
      'href="https://fr.wikipedia.org/wiki/Orion_(constellation)"',
    );
    expect(blockToHtml('Écrire à mailto:aide@example.org', LINK)).toBe(
      `<p style="margin:0;">Écrire à ${link('mailto:aide@example.org', 'aide@example.org')}</p>`,
    );
  });

  it('links bare email addresses and French phone numbers, typeset or not', () => {
    expect(blockToHtml('Appelez le 06\u202f12\u202f34\u202f56\u202f78 ou écrivez à lea@orion.example.', LINK)).toBe(
      `<p style="margin:0;">Appelez le ${link('tel:+33612345678', '06\u202f12\u202f34\u202f56\u202f78')} ou écrivez à ${link('mailto:lea@orion.example', 'lea@orion.example')}.</p>`,
    );
    expect(blockToHtml('+33 6 12 34 56 78, 04.67.12.34.56', LINK)).toBe(
      `<p style="margin:0;">${link('tel:+33612345678', '+33 6 12 34 56 78')}, ${link('tel:+33467123456', '04.67.12.34.56')}</p>`,
    );
    // References, postal codes, years and long numbers are not phones.
    expect(blockToHtml('SU1010001 34000 2026 CMD-2026-000101 1234567890123', LINK)).toBe(
      '<p style="margin:0;">SU1010001 34000 2026 CMD-2026-000101 1234567890123</p>',
    );
  });

  it('escapes everything else, other schemes included', () => {
    expect(blockToHtml('<b>gras</b> & "cité" javascript:alert(1) data:text/html,x', LINK)).toBe(
      '<p style="margin:0;">&lt;b&gt;gras&lt;/b&gt; &amp; &quot;cité&quot; javascript:alert(1) data:text/html,x</p>',
    );
    expect(blockToHtml('https://example.org/"onmouseover="x', LINK)).toBe(
      `<p style="margin:0;">${link('https://example.org/')}&quot;onmouseover=&quot;x</p>`,
    );
  });

  it('allows only http, https, mailto and tel in hrefs', () => {
    expect(safeHref('https://example.org')).toBe('https://example.org');
    expect(safeHref('tel:+33639980104')).toBe('tel:+33639980104');
    expect(safeHref('mailto:a@example.org')).toBe('mailto:a@example.org');
    for (const bad of [
      'javascript:alert(1)',
      ' JavaScript:alert(1)',
      'data:text/html,x',
      'vbscript:x',
      '//example.org',
      'example.org',
    ])
      expect(safeHref(bad), bad).toBeNull();
  });
});

describe('French dates', () => {
  it('writes calendar dates in full, with 1er', () => {
    expect(frenchDate('2026-04-14')).toBe('mardi 14 avril 2026');
    expect(frenchDate('2026-04-01')).toBe('mercredi 1er avril 2026');
    expect(frenchShortDate('2026-08-15')).toBe('15 août 2026');
  });

  it('shows arrival windows in Paris time across daylight saving changes', () => {
    expect(frenchWindow('2026-04-14T08:00:00+02:00', '2026-04-14T12:00:00+02:00').label).toBe('entre 8 h et 12 h');
    expect(frenchWindow('2026-01-13T07:00:00Z', '2026-01-13T11:30:00Z').label).toBe('entre 8 h et 12 h 30');
    // The night of the spring change: 23:00Z is midnight in Paris (UTC+1), 03:00Z is 5 h (UTC+2).
    expect(frenchWindow('2026-03-28T23:00:00Z', '2026-03-29T03:00:00Z').label).toBe('entre 0 h et 5 h');
    expect(frenchWindow('2026-04-14T16:00:00+02:00', '2026-04-15T10:00:00+02:00').label).toBe(
      'du mardi 14 avril 2026 à 16 h au mercredi 15 avril 2026 à 10 h',
    );
    expect(frenchDate(frenchWindow('2026-10-24T22:30:00Z', '2026-10-25T02:30:00Z').start)).toBe(
      'dimanche 25 octobre 2026',
    );
  });
});
