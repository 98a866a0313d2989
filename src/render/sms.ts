import { SegmentedMessage } from 'sms-segments-calculator';

/**
 * SMS size. One character outside the GSM-7 alphabet (ê, ç, ’, an emoji…) switches the whole
 * message to UCS-2, where a segment holds 70 characters instead of 160: a French reminder can
 * double its cost for a circumflex. Transliteration replaces those characters by their closest
 * GSM-7 form; é, è, à, ù, ì, ò, É and Ç are GSM-7 already and are kept.
 */

// GSM 03.38 basic set and the extension table (escape + char, two septets each).
const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXTENSION = '^{}\\[~]|€\f';
const GSM = new Set([...GSM_BASIC, ...GSM_EXTENSION]);

const REPLACEMENTS: Record<string, string> = {
  ê: 'e',
  ë: 'e',
  â: 'a',
  á: 'a',
  ã: 'a',
  î: 'i',
  ï: 'i',
  í: 'i',
  ô: 'o',
  ó: 'o',
  õ: 'o',
  û: 'u',
  ú: 'u',
  ÿ: 'y',
  ç: 'c',
  Ê: 'E',
  Ë: 'E',
  È: 'E',
  Â: 'A',
  À: 'A',
  Á: 'A',
  Î: 'I',
  Ï: 'I',
  Ô: 'O',
  Û: 'U',
  Ù: 'U',
  Ÿ: 'Y',
  œ: 'oe',
  Œ: 'OE',
  '’': "'",
  '‘': "'",
  '‚': "'",
  '“': '"',
  '”': '"',
  '„': '"',
  '«': '"',
  '»': '"',
  '–': '-',
  '—': '-',
  '‐': '-',
  '…': '...',
  '•': '-',
  '\u00a0': ' ',
  '\u202f': ' ',
  '\u2009': ' ',
  '\t': ' ',
  '\u2068': '',
  '\u2069': '',
  '\u200e': '',
  '\u200f': '',
};

export function isGsm7(text: string): boolean {
  for (const char of text) if (!GSM.has(char)) return false;
  return true;
}

/** Characters of the text that force UCS-2, each once. */
export function nonGsmCharacters(text: string): string[] {
  return [...new Set([...text].filter((char) => !GSM.has(char)))];
}

export function transliterate(text: string): string {
  let out = '';
  for (const char of text) {
    if (GSM.has(char)) out += char;
    else if (REPLACEMENTS[char] !== undefined) out += REPLACEMENTS[char];
    else {
      // Other accented letters: drop the accent when what is left is GSM-7.
      const bare = char.normalize('NFD').replace(/\p{M}/gu, '');
      out += bare !== '' && isGsm7(bare) ? bare : char;
    }
  }
  return out;
}

export interface SmsMeasure {
  encoding: 'GSM-7' | 'UCS-2';
  segments: number;
  length: number;
  warnings: string[];
}

export function measureSms(body: string): SmsMeasure {
  const message = new SegmentedMessage(body);
  const encoding = message.encodingName;
  const segments = message.segmentsCount;
  const warnings: string[] = [];
  if (segments > 1) {
    const cause =
      encoding === 'UCS-2'
        ? `UCS-2 because of ${nonGsmCharacters(body)
            .map((char) => JSON.stringify(char))
            .join(', ')}`
        : 'GSM-7';
    warnings.push(`the SMS takes ${segments} segments (${message.numberOfCharacters} characters, ${cause})`);
  }
  return { encoding, segments, length: message.numberOfCharacters, warnings };
}
