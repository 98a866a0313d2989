import { createHash } from 'node:crypto';
import { DateTime } from 'luxon';
import type { Brand } from '../render/brand.js';
import { escapeHtml } from '../render/brand.js';
import { ZONE } from '../stats/aggregates.js';
import { COMMENT_MAX, type SurveyView } from './service.js';
import { question, RATINGS } from './ratings.js';

/**
 * The survey pages, in French, in the brand's colours: plain HTML and one style sheet, no
 * script, nothing from another host. They show the order's number and the client's company,
 * and nothing personal: whoever the mail was forwarded to sees no more than that.
 */

const NBSP = '\u00a0';
const longDate = (at: Date) => DateTime.fromJSDate(at, { zone: ZONE }).setLocale('fr').toFormat('d LLLL yyyy');

function styleSheet(brand: Brand): string {
  const c = brand.colors;
  return `*{box-sizing:border-box}
body{margin:0;background:${c.background};color:${c.text};font-family:${brand.fontFamily};font-size:17px;line-height:1.5}
header{background:${c.surface};border-bottom:4px solid ${c.primary};padding:12px 16px}
header img{display:block;max-width:100%;height:auto}
main{max-width:560px;margin:0 auto;padding:16px}
.card{background:${c.surface};border:1px solid ${c.border};border-radius:6px;padding:20px 16px}
h1{font-size:22px;line-height:1.3;margin:0 0 8px;color:${c.primaryDark}}
.order{margin:0 0 16px;color:${c.muted}}
fieldset{border:0;margin:0 0 16px;padding:0}
legend{font-weight:700;margin:0 0 8px;padding:0}
.rating{display:block;margin:0 0 8px}
.rating input{position:absolute;opacity:0;width:1px;height:1px}
.rating span{display:block;padding:12px 14px;border:2px solid ${c.border};border-radius:6px;background:${c.surface};cursor:pointer}
.rating input:checked+span{border-color:${c.primary};background:${c.background};font-weight:700}
.rating input:focus-visible+span{outline:3px solid ${c.accent};outline-offset:2px}
label.comment{display:block;font-weight:700;margin:0 0 6px}
textarea{width:100%;min-height:120px;font:inherit;padding:10px;border:2px solid ${c.border};border-radius:6px;color:${c.text}}
textarea:focus-visible{outline:3px solid ${c.accent};outline-offset:2px}
.hint{color:${c.muted};font-size:15px;margin:6px 0 16px}
button{font:inherit;font-weight:700;color:#ffffff;background:${c.primary};border:0;border-radius:6px;padding:12px 28px;cursor:pointer;min-height:48px}
button:hover{background:${c.primaryDark}}
button:focus-visible{outline:3px solid ${c.accent};outline-offset:2px}
.notice{border-left:4px solid ${c.primary};padding:8px 12px;background:${c.background};margin:0 0 16px}
footer{max-width:560px;margin:0 auto;padding:8px 16px 24px;color:${c.muted};font-size:14px}`;
}

export interface SurveyPages {
  /** The Content-Security-Policy every survey page goes with: its own style sheet, its own logo, its own form. */
  csp: string;
  form(view: SurveyView, action: string, chosen: number | undefined, problem?: string): string;
  thanks(view: SurveyView): string;
  unknown: string;
  expired: string;
  tooMany: string;
  foreignForm: string;
}

export function createSurveyPages(brand: Brand, assetsPath = '/assets'): SurveyPages {
  const css = styleSheet(brand);
  const hash = createHash('sha256').update(css).digest('base64');
  const csp = [
    "default-src 'none'",
    `style-src 'sha256-${hash}'`,
    "img-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
  const logo = `<img src="${assetsPath}/${escapeHtml(brand.logo.file)}" alt="${escapeHtml(brand.logo.alt)}" width="${brand.logo.width}">`;

  const layout = (title: string, body: string) => `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow"><title>${escapeHtml(title)} · ${escapeHtml(brand.name)}</title>
<style>${css}</style></head>
<body><header>${logo}</header>
<main><div class="card">
${body}
</div></main>
<footer>${escapeHtml(brand.legalName)}</footer>
</body></html>
`;
  const order = (view: SurveyView) =>
    `<p class="order">Commande n°${NBSP}${escapeHtml(view.orderNumber)} · ${escapeHtml(view.company)}</p>`;
  const simple = (title: string, text: string) =>
    layout(title, `<h1>${escapeHtml(title)}</h1>\n<p>${escapeHtml(text)}</p>`);

  return {
    csp,
    form(view, action, chosen, problem) {
      const selected = chosen ?? view.rating ?? undefined;
      const ratings = RATINGS.map(
        (rating) =>
          `<label class="rating"><input type="radio" name="note" value="${rating.value}" required${rating.value === selected ? ' checked' : ''}><span>${rating.value}${NBSP}– ${escapeHtml(rating.label)}</span></label>`,
      ).join('\n');
      const already =
        view.answeredAt && view.rating
          ? `<p class="notice">Vous avez répondu le ${longDate(view.answeredAt)} (note${NBSP}: ${view.rating}/5). Vous pouvez modifier votre réponse jusqu’au ${longDate(view.expiresAt)}${NBSP}; laissez le commentaire vide pour garder le précédent.</p>`
          : '';
      const error = problem ? `<p class="notice" role="alert">${escapeHtml(problem)}</p>` : '';
      return layout(
        'Votre avis sur le déploiement',
        `<h1>Votre avis sur le déploiement</h1>
${order(view)}
${already}${error}<form method="post" action="${escapeHtml(action)}">
<fieldset><legend>${escapeHtml(question(view.orderNumber)).replace(/ \?$/, `${NBSP}?`)}</legend>
${ratings}
</fieldset>
<label class="comment" for="comment">Votre commentaire (facultatif)</label>
<textarea id="comment" name="comment" maxlength="${COMMENT_MAX}" aria-describedby="comment-hint"></textarea>
<p class="hint" id="comment-hint">Ce qui vous a plu, ce que nous pourrions mieux faire${NBSP}: votre Responsable Affaire Client le lira.</p>
<button type="submit">Envoyer</button>
</form>`,
      );
    },
    thanks(view) {
      return layout(
        'Merci pour votre réponse',
        `<h1>Merci pour votre réponse</h1>
${order(view)}
<p>Votre note${NBSP}: <strong>${view.rating ?? ''}/5</strong>. Votre avis nous aide à améliorer notre accompagnement.</p>
<p>Vous pouvez modifier votre réponse en rouvrant le lien reçu par e-mail, jusqu’au ${longDate(view.expiresAt)}.</p>`,
      );
    },
    unknown: simple(
      'Ce lien ne correspond à aucun questionnaire',
      'Vérifiez qu’il a été copié en entier depuis l’e-mail reçu, ou répondez directement à votre Responsable Affaire Client.',
    ),
    expired: simple(
      'Ce questionnaire est clos',
      `Le lien de ce questionnaire de satisfaction a expiré. Pour nous faire part de votre avis, répondez directement à votre Responsable Affaire Client${NBSP}: il sera heureux de vous lire.`,
    ),
    tooMany: simple(
      'Trop de demandes',
      'Trop de demandes sont venues de votre connexion en peu de temps. Patientez une minute, puis rouvrez le lien.',
    ),
    foreignForm: simple(
      'La réponse n’a pas été enregistrée',
      'Ce formulaire ne venait pas de notre site. Rouvrez le lien reçu par e-mail pour répondre.',
    ),
  };
}
