import { z } from 'zod';

/**
 * The brand file (templates/brand.json). Its values are substituted into the templates at
 * compile time through `[[brand.…]]` slots, so no sender-provided value can reach them and
 * another brand is a file change. Strings may not contain `{{`, `}}`, `[[` or `]]`: a brand
 * value must never be read as template syntax.
 */
const plain = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((value) => !/\{\{|\}\}|\[\[|\]\]/.test(value), 'must not contain {{, }}, [[ or ]]');

const httpsUrl = z.url({ protocol: /^https$/, message: 'an https URL' }).max(500);
const assetFile = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]*\.(?:png|jpg|gif)$/, 'a file name of templates/assets (png, jpg, gif)');
const colour = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'a colour written #RRGGBB');

export const brandSchema = z.strictObject({
  name: plain(40),
  legalName: plain(120),
  website: httpsUrl,
  /**
   * The sending address of the operator's domain (a monitored mailbox, never a no-reply one),
   * used when EMAIL_FROM is not set. Messages show the RAC's name with it; replies go to the RAC.
   */
  sender: z.strictObject({ name: plain(60), address: z.email() }),
  colors: z.strictObject({
    primary: colour,
    primaryDark: colour,
    accent: colour,
    text: colour,
    muted: colour,
    background: colour,
    surface: colour,
    border: colour,
  }),
  fontFamily: plain(200),
  /** A file of templates/assets, served by the service under PUBLIC_BASE_URL/assets/. */
  logo: z.strictObject({ file: assetFile, alt: plain(80), width: z.int().min(40).max(300) }),
  /** Up to this many sites, a mail lists each one; above, it summarises and attaches the list. */
  sitesListedMax: z.int().min(1).max(50).default(10),
  portal: z.strictObject({ url: httpsUrl, title: plain(120), text: plain(400), button: plain(60) }),
  antiPhishing: plain(400),
  social: z
    .array(
      z.strictObject({
        network: z.enum(['linkedin', 'youtube', 'x', 'facebook', 'instagram']),
        label: plain(40),
        url: httpsUrl,
      }),
    )
    .max(6),
  legal: plain(600),
  afterSales: z
    .array(
      z.strictObject({
        label: plain(80),
        phone: plain(40).optional(),
        email: z.email().optional(),
        hours: plain(120).optional(),
      }),
    )
    .min(1)
    .max(5),
  surveyPath: z.string().regex(/^\/[a-z0-9/_-]*$/, 'a path such as /satisfaction'),
});

export type Brand = z.output<typeof brandSchema>;

export function escapeHtml(value: string): string {
  if (!/[&<>"]/.test(value)) return value;
  return value.replace(/[&<>"]/g, (char) => HTML_ENTITIES[char] ?? char);
}
// The apostrophe is left alone: French copy is full of them and attributes use double quotes.
const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

/**
 * Flattens the brand into `brand.a.b` slot names; values escaped for HTML when asked.
 * `[[assets]]` is the base URL of the brand images (PUBLIC_BASE_URL/assets).
 */
export function brandSlots(brand: Brand, html: boolean, assetsUrl: string): Map<string, string> {
  const slots = new Map<string, string>();
  const walk = (value: unknown, path: string): void => {
    if (typeof value === 'string' || typeof value === 'number') {
      slots.set(path, html ? escapeHtml(String(value)) : String(value));
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => walk(item, `${path}.${index}`));
    } else if (value && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) walk(item, `${path}.${key}`);
    }
  };
  walk(brand, 'brand');
  slots.set('assets', html ? escapeHtml(assetsUrl) : assetsUrl);
  slots.set('social', html ? socialHtml(brand) : socialText(brand));
  return slots;
}

// Text links: icons would be images from a third-party host (or more files to serve) for three words.
function socialHtml(brand: Brand): string {
  if (brand.social.length === 0) return '';
  const links = brand.social.map(
    (item) =>
      `<a href="${escapeHtml(item.url)}" style="color:${brand.colors.muted};text-decoration:underline;">${escapeHtml(item.label)}</a>`,
  );
  return `<mj-text mj-class="small" align="center" padding="0 32px 4px 32px">${links.join(' · ')}</mj-text>`;
}

function socialText(brand: Brand): string {
  return brand.social.map((item) => `${item.label} : ${item.url}`).join('\n');
}

/**
 * Replaces `[[name]]` compile-time slots. An unknown slot is an error naming the file, so a
 * typo in a template fails at startup rather than showing `[[…]]` to a client.
 */
export function fillSlots(source: string, slots: ReadonlyMap<string, string>, file: string): string {
  return source.replace(/\[\[\s*([A-Za-z0-9_.]+)\s*\]\]/g, (_match, name: string) => {
    const value = slots.get(name);
    if (value === undefined) throw new Error(`${file}: unknown slot [[${name}]]`);
    return value;
  });
}
