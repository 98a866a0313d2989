import { describe, expect, it } from 'vitest';
import { civility, email, isoDate, mobile, phone, postalCode, ref, text, toE164 } from '../../src/projects/fields.js';

describe('toE164', () => {
  it.each([
    ['06 39 98 12 34', '+33639981234', true],
    ['0639981234', '+33639981234', true],
    ['06.39.98.12.34', '+33639981234', true],
    ['06-39-98-12-34', '+33639981234', true],
    ['+33 6 39 98 12 34', '+33639981234', true],
    ['+33 (0)6 39 98 12 34', '+33639981234', true],
    ['+33(0)639981234', '+33639981234', true],
    ['0033639981234', '+33639981234', true],
    ['0033 6 39 98 12 34', '+33639981234', true],
    ['  07 12 34 56 78  ', '+33712345678', true],
    ['01 23 45 67 89', '+33123456789', false],
    ['+33 1 23 45 67 89', '+33123456789', false],
    ['04 91 00 00 00', '+33491000000', false],
    ['09 70 12 34 56', '+33970123456', false],
    ['+44 7911 123456', '+447911123456', true],
    ['+32 470 12 34 56', '+32470123456', true],
    ['0032 470 12 34 56', '+32470123456', true],
    ['+49 1512 3456789', '+4915123456789', true],
    // Full metadata: abroad, a number's type is known from its range.
    ['+44 20 7946 0958', '+442079460958', false],
    ['+32 2 555 12 12', '+3225551212', false],
    ['+49 30 12345678', '+493012345678', false],
    // Some plans do not tell mobiles from landlines: given the benefit of the doubt.
    ['+1 415 555 2671', '+14155552671', true],
    // Overseas departments, by their country code or as dialled within France.
    ['+262 692 12 34 56', '+262692123456', true],
    ['0692 12 34 56', '+262692123456', true],
    ['+590 690 12 34 56', '+590690123456', true],
    ['0690 12 34 56', '+590690123456', true],
    ['+596 696 12 34 56', '+596696123456', true],
    ['0694 12 34 56', '+594694123456', true],
    ['0262 12 34 56', '+262262123456', false],
    ['+687 75 12 34', '+687751234', true],
  ])('%s → %s (mobile: %s)', (raw, e164, isMobile) => {
    expect(toE164(raw)).toEqual({ e164, mobile: isMobile });
  });

  it.each([
    '',
    '   ',
    'call me',
    '06 39 98',
    '06 39 98 12 34 56',
    '00 00 00 00 00',
    '+33 6 39 98 12 3a',
    '06 39 98 12 34 ext 2',
    'tel:+33639981234',
    '+999 123 456 789',
    '+44 7911',
  ])('rejects %j', (raw) => {
    expect(toE164(raw)).toBeUndefined();
  });
});

describe('phone', () => {
  it('normalises to E.164 and accepts landlines', () => {
    expect(phone.parse('04 91 00 00 00')).toBe('+33491000000');
    expect(phone.parse('+33 (0)6 39 98 12 34')).toBe('+33639981234');
  });

  it('fails with an example of what is expected', () => {
    const result = phone.safeParse('not a number');
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/not a valid phone number \(e\.g\. 06/);
  });

  it('refuses more than 40 characters before parsing', () => {
    expect(phone.safeParse(`06 39 98 12 34${' '.repeat(40)}`).success).toBe(false);
  });

  it('refuses a non-string', () => {
    expect(phone.safeParse(639981234).success).toBe(false);
  });
});

describe('mobile', () => {
  it.each([
    ['06 39 98 12 34', '+33639981234'],
    ['07 12 34 56 78', '+33712345678'],
    ['0033639981234', '+33639981234'],
    ['+44 7911 123456', '+447911123456'],
    ['+32 470 12 34 56', '+32470123456'],
    ['+33 6 00 00 00 00', '+33600000000'],
    ['0696 12 34 56', '+596696123456'],
    ['+262 692 12 34 56', '+262692123456'],
  ])('accepts %s as %s', (raw, e164) => {
    expect(mobile.parse(raw)).toBe(e164);
  });

  it.each(['01 23 45 67 89', '+33 4 91 00 00 00', '09 70 12 34 56', '+44 20 7946 0958', '0590 12 34 56'])(
    'refuses the landline %s as a mobile',
    (raw) => {
      const result = mobile.safeParse(raw);
      expect(result.success).toBe(false);
      expect(result.error?.issues).toHaveLength(1);
      expect(result.error?.issues[0]?.message).toMatch(/^not a mobile number/);
    },
  );

  it('refuses what is not a phone number at all, with the phone message', () => {
    const result = mobile.safeParse('n/a');
    expect(result.error?.issues[0]?.message).toMatch(/^not a valid phone number/);
  });
});

describe('email', () => {
  it.each([
    ['l.lambert@fournil.example', 'l.lambert@fournil.example'],
    ['  B.Roux@Operateur.Example ', 'b.roux@operateur.example'],
    ['first+tag@sub.domain.fr', 'first+tag@sub.domain.fr'],
  ])('accepts %j as %j', (raw, stored) => {
    expect(email.parse(raw)).toBe(stored);
  });

  it.each(['', 'lea', 'lea@', '@fournil.example', 'lea@fournil', 'léa lambert@fournil.example', 'a@@b.fr', 'a@b..fr'])(
    'rejects %j',
    (raw) => {
      expect(email.safeParse(raw).success).toBe(false);
    },
  );

  it('rejects an address longer than 254 characters', () => {
    const address = (labels: number) =>
      `${'a'.repeat(60)}@${Array.from({ length: labels }, (_, i) => String.fromCharCode(98 + i).repeat(60)).join('.')}.fr`;
    expect(address(3).length).toBeLessThanOrEqual(254);
    expect(email.parse(address(3))).toBe(address(3));
    expect(address(4).length).toBeGreaterThan(254);
    expect(email.safeParse(address(4)).success).toBe(false);
  });

  it('says what is wrong', () => {
    expect(email.safeParse('lea@').error?.issues[0]?.message).toBe('not a valid email address');
  });
});

describe('postalCode', () => {
  it.each([
    ['13001', '13001'],
    ['04000', '04000'],
    [' 75008 ', '75008'],
    ['20000', '20000'],
  ])('accepts %j as %j', (raw, stored) => {
    expect(postalCode.parse(raw)).toBe(stored);
  });

  it.each(['1300', 'ABCDE', '130011', '13 001', '2A004', '', 'F-13001'])('rejects %j', (raw) => {
    const result = postalCode.safeParse(raw);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/five digits/);
  });
});

describe('isoDate', () => {
  it.each(['2026-03-02', '2026-02-28', '2028-02-29', '2026-12-31', '2026-03-29'])('accepts %s', (raw) => {
    expect(isoDate.parse(raw)).toBe(raw);
  });

  it.each([
    ['2026-02-30', /not a real calendar date/],
    ['2026-02-29', /not a real calendar date/],
    ['2026-13-01', /not a real calendar date/],
    ['2026-04-31', /not a real calendar date/],
    ['2026-00-10', /not a real calendar date/],
    ['02/03/2026', /YYYY-MM-DD/],
    ['2026-2-3', /YYYY-MM-DD/],
    ['2026-02-03T10:00', /YYYY-MM-DD/],
    ['20260203', /YYYY-MM-DD/],
    ['', /YYYY-MM-DD/],
  ])('rejects %s', (raw, message) => {
    const result = isoDate.safeParse(raw);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(message);
  });
});

describe('civility', () => {
  it.each([
    ['M.', 'M.'],
    ['m', 'M.'],
    ['Mr', 'M.'],
    ['Mr.', 'M.'],
    ['Monsieur', 'M.'],
    ['MONSIEUR', 'M.'],
    ['Mme', 'Mme'],
    [' mme. ', 'Mme'],
    ['Madame', 'Mme'],
    ['Mrs', 'Mme'],
    ['Ms', 'Mme'],
  ])('reads %j as %j', (raw, stored) => {
    expect(civility.parse(raw)).toBe(stored);
  });

  it.each(['Dr', '', 'Maître', 'Sir', 'Mlle'])('rejects %j', (raw) => {
    const result = civility.safeParse(raw);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/"M\." or "Mme"/);
  });
});

describe('text and ref', () => {
  it('trims, refuses empty and counts the limit after trimming', () => {
    const label = text(5);
    expect(label.parse('  abc  ')).toBe('abc');
    expect(label.parse(' abcde ')).toBe('abcde');
    expect(label.safeParse('abcdef').error?.issues[0]?.message).toBe('at most 5 characters');
    expect(label.safeParse('   ').error?.issues[0]?.message).toBe('must not be empty');
  });

  it.each(['CMD-2026-000101', 'SU1010001', 'ct-1', 'a', 'rac.roux_2', 'R'.repeat(64)])('accepts the ref %s', (raw) => {
    expect(ref.parse(raw)).toBe(raw);
  });

  it.each([' bad', '', '-lead', '.hidden', 'a b', 'é', 'a/b', 'R'.repeat(65)])('rejects the ref %j', (raw) => {
    expect(ref.safeParse(raw).success).toBe(false);
  });
});
