import { describe, expect, it } from 'vitest';
import {
  displayText,
  isolateBidi,
  mapStrings,
  stripBidiControls,
  typesetTemplate,
  typesetText,
} from '../../../src/render/typography.js';

const NN = '\u202f';
const NB = '\u00a0';

describe('French typography', () => {
  it('puts a narrow no-break space before ; : ! ? and inside guillemets', () => {
    expect(typesetText('Prochaine étape : je vous appelle ; d’accord ? Oui !')).toBe(
      `Prochaine étape${NN}: je vous appelle${NN}; d’accord${NN}? Oui${NN}!`,
    );
    expect(typesetText('votre projet « Horizon Sud » et "Nord"')).toBe(
      `votre projet «${NN}Horizon Sud${NN}» et «${NN}Nord${NN}»`,
    );
  });

  it('keeps numbers, phone numbers and times in one piece', () => {
    expect(typesetText('12 500 000 euros, 09 69 39 00 00, +33 6 39 98 01 04, 8 h 30, 24 h/24, 7 j/7, 12 %')).toBe(
      `12${NN}500${NN}000 euros, 09${NN}69${NN}39${NN}00${NN}00, +33${NN}6${NN}39${NN}98${NN}01${NN}04, 8${NN}h${NN}30, 24${NN}h/24, 7${NN}j/7, 12${NN}%`,
    );
    expect(typesetText('réf. SU1010001, n° 0467123456, M. Durand')).toBe(
      `réf.${NB}SU1010001, n°${NB}0467123456, M.${NB}Durand`,
    );
  });

  it('makes apostrophes curly and leaves data alone: references, postal codes, years, links', () => {
    expect(typesetText("l'accès")).toBe('l’accès');
    const data = 'CMD-2026-000101 34000 Montpellier 2026 https://example.org/a?b=1&c=2 mailto:a@b.fr Tel:0612 a;b';
    expect(typesetText(data)).toBe(data);
  });

  it('never touches tags, attributes, styles or Handlebars expressions of a template', () => {
    const source =
      '<style>a { color: #0b4f8a; }</style><td style="a : b" title="x ?">Suivi : <strong>{{project.trackingNumber}}</strong></td>{{> p label="accès : prévu"}}';
    expect(typesetTemplate(source)).toBe(
      `<style>a { color: #0b4f8a; }</style><td style="a : b" title="x ?">Suivi${NN}: <strong>{{project.trackingNumber}}</strong></td>{{> p label="accès : prévu"}}`,
    );
    expect(typesetTemplate('Prochaine étape :</strong> ok')).toBe(`Prochaine étape${NN}:</strong> ok`);
    expect(typesetTemplate('line :\n\n\n  - {{a}} : {{b}}\n')).toBe(`line${NN}:\n\n\n  - {{a}}${NN}: {{b}}\n`);
  });
});

describe('bidi', () => {
  it('removes overrides, so that « evil » never displays as « live »', () => {
    expect(isolateBidi('\u202eevil')).toBe('evil');
    expect(stripBidiControls('a\u202eb\u2066c\u2069')).toBe('abc');
    expect(displayText('Bonjour \u202eevil,')).toBe('Bonjour evil,');
  });

  it('isolates right-to-left text and leaves left-to-right text as it is', () => {
    expect(isolateBidi('שלום')).toBe('\u2068שלום\u2069');
    expect(isolateBidi('Dupont')).toBe('Dupont');
  });
});

describe('mapStrings', () => {
  it('maps every string of plain objects and arrays but links', () => {
    const value = { a: 'x ?', b: ['y !', { c: 'tel:+33 6' }], d: 3, e: null, f: 'https://x.example/?a' };
    expect(mapStrings(value, typesetText)).toEqual({
      a: `x${NN}?`,
      b: [`y${NN}!`, { c: 'tel:+33 6' }],
      d: 3,
      e: null,
      f: 'https://x.example/?a',
    });
  });
});
