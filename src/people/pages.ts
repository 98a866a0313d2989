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

/**
 * What opening the mailed link shows: a button that signs in. Mail security gateways open
 * every link of a message within seconds of its delivery; a link used by a mere GET would
 * be spent by them before the person clicks. The form posts the token back to this service.
 */
export function confirmPage(token: string): string {
  return `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<meta name="robots" content="noindex"><title>Connexion · Jalon</title></head>
<body style="font-family:Arial,Helvetica,sans-serif;color:#1f2933;max-width:520px;margin:48px auto;padding:0 16px;line-height:1.5">
<main>
<h1 style="font-size:22px">Se connecter à Jalon</h1>
<p>Ce lien vous connecte sur cet appareil. Il sert une seule fois.</p>
<form method="post" action="/auth/callback">
<input type="hidden" name="token" value="${escapeHtml(token)}">
<button type="submit" autofocus style="font-size:16px;padding:10px 20px;background:#0b5394;color:#fff;border:0;border-radius:4px;cursor:pointer">Me connecter</button>
</form>
</main>
</body></html>
`;
}

export const PAGES = {
  foreignForm: signInPage(
    'La connexion n’a pas abouti',
    'Ce formulaire de connexion ne venait pas de Jalon. Rouvrez le lien reçu par e-mail.',
  ),
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
