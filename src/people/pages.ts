import { escapeHtml } from '../render/brand.js';

/**
 * The few pages a person may land on while signing in, in French. Plain HTML with no script:
 * they say what happened and where to go.
 */
export function signInPage(title: string, text: string): string {
  return `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${escapeHtml(title)} · Jalon</title></head>
<body style="font-family:Arial,Helvetica,sans-serif;color:#1f2933;max-width:520px;margin:48px auto;padding:0 16px;line-height:1.5">
<h1 style="font-size:22px">${escapeHtml(title)}</h1>
<p>${escapeHtml(text)}</p>
<p><a href="/app/">Revenir à la page de connexion</a></p>
</body></html>
`;
}

export const PAGES = {
  linkInvalid: signInPage(
    'Ce lien de connexion ne fonctionne plus',
    'Un lien de connexion sert une seule fois et pendant 15 minutes. Demandez-en un nouveau depuis la page de connexion.',
  ),
  tooMany: signInPage(
    'Trop de tentatives',
    'Trop de tentatives de connexion sont venues de cette adresse. Patientez une minute, puis réessayez.',
  ),
  ssoFailed: signInPage(
    'La connexion n’a pas abouti',
    'Le service d’authentification de votre entreprise n’a pas confirmé votre identité. Réessayez depuis la page de connexion.',
  ),
  ssoUnknown: signInPage(
    'Aucun accès Jalon pour ce compte',
    'Votre identité est confirmée, mais aucun accès Jalon actif ne correspond à votre adresse. Demandez-en un à l’administrateur de votre agence.',
  ),
};
