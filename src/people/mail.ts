import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { brandSchema, escapeHtml } from '../render/brand.js';

/** The little of the brand a sign-in mail shows: who sends it, in which colour. */
export interface MailBrand {
  name: string;
  colour: string;
}

export async function loadMailBrand(templatesDir: string): Promise<MailBrand> {
  const brand = brandSchema.parse(JSON.parse(await readFile(join(templatesDir, 'brand.json'), 'utf8')));
  return { name: brand.name, colour: brand.colors.primary };
}

export interface LinkMail {
  subject: string;
  html: string;
  text: string;
}

const NBSP = '\u00a0';

/**
 * The sign-in mail, in French: short, one button, what to do if it was not asked for. An
 * invitation says why the person receives it.
 */
export function linkMail(input: {
  brand: MailBrand;
  displayName: string;
  url: string;
  minutes: number;
  invitation: boolean;
}): LinkMail {
  const { brand, url, minutes } = input;
  const subject = input.invitation ? 'Votre accès à Jalon' : 'Votre lien de connexion à Jalon';
  const intro = input.invitation
    ? `Un accès à Jalon, l’outil des communications de vos commandes, vient de vous être ouvert. Pour vous connecter une première fois, utilisez ce lien${NBSP}:`
    : `Pour vous connecter à Jalon, utilisez ce lien${NBSP}:`;
  const validity = `Il est valable ${minutes}${NBSP}minutes et ne sert qu’une fois. Passé ce délai, demandez un nouveau lien depuis la page de connexion.`;
  const notYou = `Si vous n’êtes pas à l’origine de cette demande, ignorez ce message${NBSP}: personne ne peut se connecter sans ce lien.`;
  const greeting = `Bonjour ${input.displayName},`;

  const text = [greeting, '', intro, url, '', validity, '', notYou, '', `— ${brand.name}`, ''].join('\n');

  const p = (content: string, style = '') => `<p style="margin:0 0 16px;${style}">${content}</p>`;
  const html = `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${escapeHtml(subject)}</title></head>
<body style="margin:0;padding:24px;background:#f4f6f8;font-family:Arial,Helvetica,sans-serif;color:#1f2933;font-size:15px;line-height:1.5">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:520px;background:#ffffff;border-top:4px solid ${brand.colour};padding:24px">
<tr><td>
${p(escapeHtml(greeting))}
${p(escapeHtml(intro))}
<p style="margin:0 0 16px"><a href="${escapeHtml(url)}" style="display:inline-block;padding:12px 20px;background:${brand.colour};color:#ffffff;text-decoration:none;border-radius:4px;font-weight:bold">Me connecter à Jalon</a></p>
${p(escapeHtml(validity))}
${p(escapeHtml(notYou), 'color:#52606d;font-size:13px')}
${p(`— ${escapeHtml(brand.name)}`, 'color:#52606d;font-size:13px;margin:0')}
</td></tr></table>
</td></tr></table>
</body></html>
`;
  return { subject, html, text };
}
