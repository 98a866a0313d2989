import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Project } from '../../../src/projects/schema.js';
import type { Renderer } from '../../../src/render/index.js';
import { greeting, joinFrench, offersView } from '../../../src/render/phrasing.js';
import { sitesView } from '../../../src/render/sites.js';
import { asEmail, fixture, newRenderer, occurrences } from './support.js';

let renderer: Renderer;
beforeAll(async () => {
  renderer = await newRenderer();
});
afterAll(() => renderer.close());

const welcome = (project: Project) => asEmail(renderer.render('accuse-reception', { project }));
const offer = (label: string, profile?: string) => ({
  code: label.slice(0, 4).toUpperCase(),
  label,
  ...(profile ? { profile } : {}),
});

describe('offers', () => {
  it('joins one, two and three offers as a person would write them', () => {
    expect(joinFrench(['A'])).toBe('A');
    expect(joinFrench(['A', 'B'])).toBe('A et B');
    expect(joinFrench(['A', 'B', 'C'])).toBe('A, B et C');
    expect(offersView([offer('Business VPN')]).phrase).toBe('votre solution Business VPN');
    expect(offersView([offer('Business VPN'), offer('Business Talk IP')]).phrase).toBe(
      'vos solutions Business VPN et Business Talk IP',
    );
    expect(offersView([offer('Business VPN'), offer('Business Talk IP'), offer('Flexible SD-WAN')]).phrase).toBe(
      'vos solutions Business VPN, Business Talk IP et Flexible SD-WAN',
    );
    expect(offersView([]).phrase).toBe('');
  });

  it('names an offer listed twice (two profiles) once, in the sentence and in the whole mail', () => {
    for (const order of ['CMD-2026-000103', 'CMD-2026-000105']) {
      const project = fixture(order);
      expect(project.offers.filter((item) => item.label === 'Business VPN')).toHaveLength(2);
      const result = welcome(project);
      expect(result.text).toContain(
        "d'avoir choisi Orion Télécom pour vos solutions Business VPN et Business Talk IP Centrex.",
      );
      expect(occurrences(result.text, 'Business VPN')).toBe(1);
      expect(occurrences(result.html, 'Business VPN')).toBe(1);
    }
  });

  it('uses the singular for a single offer and drops the phrase without offers', () => {
    expect(welcome(fixture('CMD-2026-000101')).text).toContain(
      "d'avoir choisi Orion Télécom pour votre solution Business VPN.",
    );
    expect(welcome({ ...fixture('CMD-2026-000101'), offers: [] }).text).toContain(
      "Je vous remercie d'avoir choisi Orion Télécom.",
    );
  });
});

describe('sites', () => {
  it('puts a single site in a sentence', () => {
    const result = welcome(fixture('CMD-2026-000101'));
    expect(result.text).toContain(
      'concerne votre site Siège Montpellier (réf. SU1010001) : 104 avenue Jean Jaurès, 34000 Montpellier.',
    );
    expect(result.html).not.toContain('<ul');
    expect(result.text).toContain('mise en service de votre site.');
  });

  it('lists a few sites', () => {
    const result = welcome(fixture('CMD-2026-000102'));
    expect(result.text).toContain('concerne les 3 sites suivants :');
    expect(occurrences(result.html, '<li ')).toBe(3);
    expect(result.text).toContain(
      '- Agence Nîmes 3 (réf. SU1020003), 74 quai du Port, 30000 Nîmes ; accès prévu : 4G secours',
    );
  });

  it('shows many sites as a compact table grouped by city, naming every site', () => {
    const project = fixture('CMD-2026-000104');
    const view = sitesView(project.sites);
    expect(view.many?.cities.reduce((sum, city) => sum + city.count, 0)).toBe(40);
    const cities = view.many?.cities.map((city) => city.city) ?? [];
    expect(cities).toEqual([...cities].sort((a, b) => a.localeCompare(b, 'fr')));
    const result = welcome(project);
    expect(result.text).toContain(`concerne 40 sites, répartis dans ${view.many?.cityCount} villes :`);
    expect(result.html).toContain('<table role="presentation" width="100%"');
    expect(occurrences(result.html, '<li ')).toBe(0);
    const first = view.many?.cities[0];
    expect(result.html).toContain(
      `<strong>${first?.city}</strong> <span style="color:#52606d;">· ${first?.countLabel}</span>`,
    );
    for (const site of project.sites) expect(result.html).toContain(`${site.name} (${site.ref})`);
  });

  it('switches from list to table above five sites', () => {
    const sites = fixture('CMD-2026-000104').sites;
    expect(sitesView(sites.slice(0, 5)).few).toHaveLength(5);
    expect(sitesView(sites.slice(0, 6)).many).not.toBeNull();
    expect(sitesView([]).count).toBe(0);
  });
});

describe('greeting', () => {
  const base = fixture('CMD-2026-000101');
  const withMain = (contact: Partial<Project['contacts'][number]>) => ({
    ...base,
    contacts: [{ ...base.contacts[0]!, ...contact }],
  });

  it('uses the civility and last name when there is a civility, else first and last name', () => {
    expect(welcome(base).text).toContain('\nBonjour Madame Lambert,\n');
    expect(welcome(withMain({ civility: undefined })).text).toContain('\nBonjour Léa Lambert,\n');
    expect(welcome(withMain({ civility: 'M.', lastName: 'Garnier' })).html).toContain('Bonjour Monsieur Garnier,');
    expect(welcome(withMain({ civility: undefined, firstName: undefined })).text).toContain('\nBonjour,\n');
    expect(welcome({ ...base, contacts: [] }).warnings).toContain(
      'the order has no client contact: the greeting is impersonal',
    );
  });

  it('greets the main contact, whatever its position', () => {
    const project = { ...base, contacts: [base.contacts[1]!, base.contacts[0]!] };
    expect(welcome(project).text).toContain('Bonjour Madame Lambert,');
  });

  it('greets the meeting participants together, counting a person listed twice once', () => {
    expect(greeting([])).toBe('Bonjour,');
    const recap = (project: Project) => asEmail(renderer.render('rle-recap', { project })).text;
    expect(recap(fixture('CMD-2026-000103'))).toContain('Bonjour à toutes et à tous,');
    const duplicated = recap(fixture('CMD-2026-000102'));
    expect(duplicated).toContain('Bonjour Monsieur Durand,');
    expect(occurrences(duplicated, '- Mathieu Durand')).toBe(1);
  });

  it('greets the contact of the visited site in an intervention notice', () => {
    const project = fixture('CMD-2026-000101');
    const data = { kind: 'service', windowStart: '2026-03-24T13:00:00+01:00', windowEnd: '2026-03-24T17:00:00+01:00' };
    const result = asEmail(renderer.render('avis-intervention', { project, data }));
    expect(result.text).toContain('Bonjour Madame Lambert,');
    const other = { ...project, sites: [{ ...project.sites[0]!, contactId: 'ct-2' }] };
    expect(asEmail(renderer.render('avis-intervention', { project: other, data })).text).toContain(
      'Bonjour Monsieur Garnier,',
    );
  });
});
