import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Project } from '../../../src/projects/schema.js';
import type { RacProfile, Renderer } from '../../../src/render/index.js';
import { SUBJECT_MAX } from '../../../src/render/render.js';
import { asEmail, fixture, fixtures, newRenderer, occurrences } from './support.js';

/** What a careful French writer checks in the copy, whatever the order. */

let renderer: Renderer;
beforeAll(async () => {
  renderer = await newRenderer();
});
afterAll(() => renderer.close());

const EMAILS = ['accuse-reception', 'rle-recap', 'avis-intervention', 'cloture', 'relance-bilan'];
const visit = (project: Project) => ({
  siteRef: project.sites[0]?.ref,
  kind: 'access',
  windowStart: '2026-06-02T08:00:00+02:00',
  windowEnd: '2026-06-02T12:00:00+02:00',
});
const render = (
  key: string,
  project: Project,
  extra: { racProfile?: RacProfile; data?: object; blocks?: object } = {},
) =>
  asEmail(
    renderer.render(key, {
      project,
      data: { ...(key === 'avis-intervention' ? visit(project) : {}), ...extra.data },
      ...(extra.blocks ? { blocks: extra.blocks as Record<string, string> } : {}),
      ...(extra.racProfile ? { racProfile: extra.racProfile } : {}),
    }),
  );

describe('gender', () => {
  const project = fixture('CMD-2026-000101');
  it('agrees with the RAC, and needs none when the profile gives none', () => {
    const she = render('accuse-reception', project, { racProfile: { displayName: 'Léa Laurent', gender: 'f' } });
    expect(she.text).toContain('votre interlocutrice privilégiée');
    expect(she.text).not.toMatch(/interlocuteur|privilégié /);
    const he = render('accuse-reception', project, { racProfile: { displayName: 'Marc Roux', gender: 'm' } });
    expect(he.text).toContain('votre interlocuteur privilégié');
    const neutral = render('accuse-reception', project, { racProfile: { displayName: 'Camille Roux' } });
    expect(neutral.text).not.toMatch(/interlocut|privilégié/);
    expect(neutral.text).toContain('Je vous accompagnerai personnellement tout au long du projet');
  });
});

describe('closing', () => {
  it.each(EMAILS)('%s: one closing line; the sender’s replaces the default and its sign-off', (key) => {
    const project = fixture('CMD-2026-000102');
    const standard = render(key, project);
    expect(occurrences(standard.text, 'Bien cordialement,')).toBe(1);
    const own = render(key, project, { blocks: { closing: 'Belle journée à vous,\nLéa' } });
    expect(own.text).not.toContain('Bien cordialement');
    expect(own.html).not.toContain('Bien cordialement');
    expect(own.text).toContain('Belle journée à vous,\nLéa\n\n');
  });
});

describe('closure wording', () => {
  const project = fixture('CMD-2026-000103');
  it('claims « en service » and « conforme » only for what is true', () => {
    const all = render('cloture', project, { data: { completedOn: project.milestones.deploymentEnd?.planned } });
    expect(all.text).toContain(`vos ${project.sites.length} sites sont en service`);
    expect(all.text).toContain('conforme au planning');

    const late = render('cloture', project, {
      data: {
        completedOn: project.milestones.deploymentEnd?.planned,
        exceptions: [{ siteRef: project.sites[1]!.ref, note: 'raccordé avec trois semaines de retard' }],
      },
    });
    expect(late.text).toContain(`vos ${project.sites.length} sites sont en service`);
    expect(late.text).not.toContain('conforme');
    expect(late.text).not.toContain('Tout ce que nous avions prévu');

    const pending = render('cloture', project, {
      data: {
        exceptions: [
          { siteRef: project.sites[1]!.ref, note: 'travaux du bailleur', inService: false },
          { siteRef: project.sites[2]!.ref, note: 'accès refusé', inService: false },
        ],
      },
    });
    expect(pending.text).not.toMatch(new RegExp(`(?<!de )vos ${project.sites.length} sites sont en service`));
    expect(pending.text).toContain(`${project.sites.length - 2} de vos ${project.sites.length} sites sont en service`);
    expect(pending.text).toContain('les 2 autres restent à mettre en service');
    expect(pending.text).not.toContain('est terminé');
    // A large order: the gaps are the sites to look at in the summary, and a column of the list.
    expect(pending.text).toContain('pas encore en service, travaux du bailleur');
    expect(pending.attachments[0]?.content).toContain('pas encore en service, accès refusé');
  });

  it('never writes « vos 0 sites »', () => {
    const empty = render('cloture', { ...project, sites: [] });
    expect(empty.text).not.toMatch(/\b0 sites?\b/);
    expect(empty.text).toContain('est terminé depuis le');
    const recap = render('rle-recap', { ...project, sites: [] });
    expect(recap.text).not.toMatch(/\b0 sites?\b/);
  });
});

describe('meeting recap', () => {
  it('lists the RAC and the main and technical contacts by default, never billing', () => {
    const project = fixture('CMD-2026-000105');
    const text = render('rle-recap', project).text;
    const participants = text.slice(text.indexOf('Participants'), text.indexOf('\n\n', text.indexOf('Participants')));
    for (const contact of project.contacts) {
      const name = `${contact.firstName} ${contact.lastName}`;
      if (contact.role === 'main' || contact.role === 'technical') expect(participants).toContain(name);
      else expect(participants).not.toContain(name);
    }
    expect(participants).toContain(`${project.rac.firstName} ${project.rac.lastName}`);
    const given = render('rle-recap', project, { data: { participants: [{ name: 'Anne Petit', role: 'DSI' }] } }).text;
    expect(given).toContain('- Anne Petit (DSI)');
  });

  it('presents a generated strategy as a proposal, and a given one as the decision', () => {
    const project = fixture('CMD-2026-000104');
    const proposed = render('rle-recap', project).text;
    expect(proposed).not.toMatch(/décisions|retenue/);
    expect(proposed).toContain('Déroulement proposé');
    expect(proposed).toContain('Je vous propose');
    const agreed = render('rle-recap', project, { data: { strategy: 'Deux vagues, Fréjus d’abord.' } }).text;
    expect(agreed).toContain('Stratégie de déploiement retenue');
    expect(agreed).toContain('Deux vagues, Fréjus d’abord.');
  });
});

describe('preheader, subject, links', () => {
  it('gives each message a preheader of its own, hidden from Outlook too', () => {
    const preheaders = new Set<string>();
    for (const { project } of fixtures()) {
      for (const key of EMAILS) {
        const { html } = render(key, project);
        const hidden =
          /<div style="display:none;max-height:0;max-width:0;overflow:hidden;opacity:0;mso-hide:all;">([^<]+)<\/div>/.exec(
            html,
          )?.[1];
        expect(hidden, key).toMatch(/\S/);
        preheaders.add(hidden ?? '');
      }
    }
    expect(preheaders.size).toBe(EMAILS.length * fixtures().length);
  });

  it(`cuts a subject beyond ${SUBJECT_MAX} characters at a word, and says so`, () => {
    const project = fixture('CMD-2026-000101');
    const long = { ...project, sites: [{ ...project.sites[0]!, name: 'Boulangerie '.repeat(9).trim() }] };
    const result = render('avis-intervention', long);
    expect([...result.subject].length).toBeLessThanOrEqual(SUBJECT_MAX);
    expect(result.subject).toMatch(/Boulangerie…$/);
    expect(result.warnings).toContain(`the subject was cut to ${SUBJECT_MAX} characters`);
  });

  it('links phones and emails, loads no image from another host, and has dark-mode metas', () => {
    const result = render('cloture', fixture('CMD-2026-000101'));
    expect(result.html).toContain('href="tel:0969390000"');
    expect(result.html).toContain('href="mailto:service-client@orion-telecom.example"');
    expect(result.html).toContain('href="tel:+33639980104"');
    expect(result.html).toContain('href="mailto:b.roux@operateur.example"');
    const images = [...result.html.matchAll(/<img[^>]+src="([^"]+)"/g)].map((match) => match[1]);
    expect(images).toEqual(['https://jalon.example/assets/logo-orion-telecom.png']);
    expect(result.html).toContain('<meta name="color-scheme" content="light dark"');
    expect(result.html).toContain('@media (prefers-color-scheme: dark)');
    expect(result.html).toMatch(/<h2 [^>]*>Votre avis compte<\/h2>/);
  });

  it('isolates a name with a direction override: « evil » stays « evil »', () => {
    const project = fixture('CMD-2026-000101');
    const hostile = { ...project, contacts: [{ ...project.contacts[0]!, lastName: '\u202eevil' }] };
    const result = render('accuse-reception', hostile, { racProfile: { displayName: '\u202eRAC' } });
    for (const part of [result.html, result.text, result.fromName])
      expect(part).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/);
    expect(result.text).toContain('Bonjour Madame evil,');
  });
});
