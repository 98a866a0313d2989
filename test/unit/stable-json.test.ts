import { describe, expect, it } from 'vitest';
import { stableJson } from '../../src/lib/stable-json.js';

describe('stableJson', () => {
  it('gives the same text whatever the order of the keys, at every depth', () => {
    const a = {
      projectRef: 'CMD-1',
      blocks: { personalMessage: 'Bonjour', closing: 'À bientôt' },
      to: [{ b: 1, a: 2 }],
    };
    const b = {
      to: [{ a: 2, b: 1 }],
      blocks: { closing: 'À bientôt', personalMessage: 'Bonjour' },
      projectRef: 'CMD-1',
    };
    expect(stableJson(a)).toBe(stableJson(b));
    expect(stableJson(a)).toBe(
      '{"blocks":{"closing":"À bientôt","personalMessage":"Bonjour"},"projectRef":"CMD-1","to":[{"a":2,"b":1}]}',
    );
  });

  it('keeps array order and tells different values apart', () => {
    expect(stableJson([1, 2])).not.toBe(stableJson([2, 1]));
    expect(stableJson({ a: '1' })).not.toBe(stableJson({ a: 1 }));
    expect(stableJson({ a: null })).not.toBe(stableJson({}));
  });

  it('follows JSON.stringify for dates, undefined and escapes', () => {
    const sendAt = new Date('2026-05-12T07:00:00.000Z');
    expect(stableJson({ sendAt })).toBe('{"sendAt":"2026-05-12T07:00:00.000Z"}');
    expect(stableJson({ sendAt })).not.toBe(stableJson({ sendAt: new Date('2026-05-13T07:00:00.000Z') }));
    expect(stableJson({ a: undefined, b: [undefined, 1] })).toBe('{"b":[null,1]}');
    expect(stableJson(undefined)).toBe('null');
    const value = { 'a"b': 'line\nbreak', n: 1.5, t: true };
    expect(JSON.parse(stableJson(value))).toEqual(value);
  });
});
