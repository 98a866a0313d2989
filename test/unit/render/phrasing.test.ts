import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Project } from '../../../src/projects/schema.js';
import type { Renderer } from '../../../src/render/index.js';
import { greeting, joinFrench, offersView } from '../../../src/render/phrasing.js';
import { sitesView } from '../../../src/render/sites.js';
import { typesetText } from '../../../src/render/typography.js';
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
        'd’avoir choisi Orion Télécom pour vos solutions Business VPN et Business Talk IP Centrex.',
      );
      expect(occurrences(result.text, 'Business VPN')).toBe(1);
      expect(occurrences(result.html, 'Business VPN')).toBe(1);
    }
  });

  it('uses the singular for a single offer and drops the phrase without offers', () => {
    expect(welcome(fixture('CMD-2026-000101')).text).toContain(
      'd’avoir choisi Orion Télécom pour votre solution Business VPN.',
    );
    expect(welcome({ ...fixture('CMD-2026-000101'), offers: [] }).text).toContain(
      'Je vous remercie d’avoir choisi Orion Télécom.',
    );
  });
});

describe('sites', () => {
  const options = (project: Project) => ({
    listedMax: 10,
    contacts: project.contacts,
    notes: [],
    orderNumber: project.orderNumber,
  });

  it('puts a single site in a sentence', () => {
    const result = welcome(fixture('CMD-2026-000101'));
    expect(result.text).toContain(
      typesetText(
        'concerne votre site Siège Montpellier (réf. SU1010001) : 104 avenue Jean Jaurès, 34000 Montpellier.',
      ),
    );
    expect(result.html).not.toContain('<ul');
    expect(result.text).toContain('mise en service de votre site.');
    expect(result.attachments).toEqual([]);
  });

  it('lists each site with its address and access up to the threshold', () => {
    const result = welcome(fixture('CMD-2026-000102'));
    expect(result.text).toContain('concerne les 3 sites suivants\u202f:');
    expect(occurrences(result.html, '<li ')).toBe(3);
    expect(result.text).toContain(
      '- Agence Nîmes 3 (réf.\u00a0SU1020003), 74 quai du Port, 30000 Nîmes\u202f; accès prévu\u202f: 4G secours',
    );
    const ten = { ...fixture('CMD-2026-000104'), sites: fixture('CMD-2026-000104').sites.slice(0, 10) };
    const listed = welcome(ten);
    for (const site of ten.sites)
      expect(listed.text).toContain(typesetText(`${site.address}, ${site.postalCode} ${site.city}`));
    expect(listed.attachments).toEqual([]);
  });

  it('summarises a large order and attaches the full list as a spreadsheet', () => {
    const project = fixture('CMD-2026-000104');
    const view = sitesView(project.sites, options(project));
    expect(view.list).toBeNull();
    expect(view.summary?.label).toMatch(/^40 sites dans \d+ villes$/);
    const result = welcome(project);
    expect(result.text).toContain(`concerne ${view.summary?.label}.`);
    expect(result.text).toContain(view.summary?.cities);
    expect(result.text).toContain('sites-CMD-2026-000104.csv');
    // The mail no longer names every site: the attachment does.
    expect(result.html).not.toContain(project.sites[5]!.ref);
    expect(result.attachments).toHaveLength(1);
    const csv = result.attachments[0]!;
    expect(csv).toMatchObject({ filename: 'sites-CMD-2026-000104.csv', contentType: 'text/csv; charset=utf-8' });
    const lines = csv.content.split('\r\n');
    expect(lines[0]).toBe(
      '\ufeffRéférence;Site;Adresse;Code postal;Ville;Rôle;Accès actuel;Accès prévu;Contact sur place;Remarque',
    );
    expect(lines).toHaveLength(42); // header, 40 sites, final CRLF
    for (const site of project.sites) expect(csv.content).toContain(`${site.ref};${site.name};`);
  });

  it('writes the list so that a spreadsheet neither splits nor runs a cell', () => {
    const project = fixture('CMD-2026-000104');
    const sites = project.sites.map((site, index) =>
      index === 0 ? { ...site, name: '=HYPERLINK("x")', address: 'Bât. A; 2e étage' } : site,
    );
    const csv = welcome({ ...project, sites }).attachments[0]!.content;
    expect(csv).toContain(`${sites[0]!.ref};"'=HYPERLINK(""x"")";"Bât. A; 2e étage";`);
  });

  it('switches from list to summary above the brand threshold', () => {
    const project = fixture('CMD-2026-000104');
    expect(sitesView(project.sites.slice(0, 10), options(project)).list).toHaveLength(10);
    expect(sitesView(project.sites.slice(0, 11), options(project)).summary).not.toBeNull();
    expect(sitesView([], options(project)).count).toBe(0);
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
