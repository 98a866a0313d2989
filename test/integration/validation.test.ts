import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { ProjectInput } from '../../src/projects/schema.js';
import { BACKENDS } from '../helpers/db.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { loadFixture } from '../helpers/fixtures.js';
import { waitFor } from '../helpers/process.js';

/**
 * Bad input gets a 4xx naming the field, and nothing is half-written: every case below is
 * sent against a database holding two orders, and the database must look exactly the same
 * afterwards (row counts and the orders as the API returns them).
 */

const STORED = loadFixture('CMD-2026-000103'); // 2 contacts, 12 sites
const OTHER = loadFixture('CMD-2026-000101');
const STORED_URL = `/v1/projects/${STORED.orderNumber}`;
const NEW_URL = '/v1/projects/CMD-NEW-0001';

type Mutable = ProjectInput & Record<string, unknown>;
/** A copy of the stored order with one change. */
function edit(change: (project: Mutable) => void): Mutable {
  const project = structuredClone(STORED) as Mutable;
  change(project);
  return project;
}
const contact = (project: Mutable, index: number) => project.contacts[index] as Record<string, unknown>;
const site = (project: Mutable, index: number) => project.sites[index] as Record<string, unknown>;

interface Case {
  name: string;
  method: 'GET' | 'PUT' | 'PATCH' | 'POST';
  url: string;
  payload?: unknown;
  headers?: Record<string, string>;
  status: number;
  code: string;
  /** The exact `details[].path` expected among the details. */
  path?: string;
  /** What the message must say (used for errors without details). */
  message?: RegExp;
  /** For CSV errors: the reported line. */
  line?: number;
  /** When the problems are more than an error lists: how many there were. */
  total?: number;
}

const csv = { 'content-type': 'text/csv' };
const CSV_HEADER = 'Référence;Nom;Adresse;Code postal;Ville;Contact';

const CASES: Case[] = [
  // PUT on the stored order: it must stay exactly as it was.
  {
    name: 'bad email in contacts[1]',
    method: 'PUT',
    url: STORED_URL,
    payload: edit((p) => (contact(p, 1).email = 'claire.roux@')),
    status: 400,
    code: 'invalid_input',
    path: 'body.contacts.1.email',
  },
  {
    name: 'bad RAC email',
    method: 'PUT',
    url: STORED_URL,
    payload: edit((p) => (p.rac.email = 'h.moreau at durance.example')),
    status: 400,
    code: 'invalid_input',
    path: 'body.rac.email',
  },
  {
    name: 'RAC phone that is not a phone',
    method: 'PUT',
    url: STORED_URL,
    payload: edit((p) => (p.rac.phone = 'call the front desk')),
    status: 400,
    code: 'invalid_input',
    path: 'body.rac.phone',
  },
  {
    name: 'mobile too short to be a number',
    method: 'PUT',
    url: STORED_URL,
    payload: edit((p) => (contact(p, 0).mobile = '06 39 98')),
    status: 400,
    code: 'invalid_input',
    path: 'body.contacts.0.mobile',
  },
  {
    name: 'a landline given as a mobile',
    method: 'PUT',
    url: STORED_URL,
    payload: edit((p) => (contact(p, 1).mobile = '01 23 45 67 89')),
    status: 400,
    code: 'invalid_input',
    path: 'body.contacts.1.mobile',
    message: /not a mobile/,
  },
  {
    name: 'a London landline given as a mobile',
    method: 'PUT',
    url: STORED_URL,
    payload: edit((p) => (contact(p, 0).mobile = '+44 20 7946 0958')),
    status: 400,
    code: 'invalid_input',
    path: 'body.contacts.0.mobile',
    message: /not a mobile/,
  },
  {
    name: 'postal code with four digits',
    method: 'PUT',
    url: STORED_URL,
    payload: edit((p) => (site(p, 3).postalCode = '1300')),
    status: 400,
    code: 'invalid_input',
    path: 'body.sites.3.postalCode',
  },
  {
    name: 'postal code made of letters',
    method: 'PUT',
    url: STORED_URL,
    payload: edit((p) => (site(p, 0).postalCode = 'ABCDE')),
    status: 400,
    code: 'invalid_input',
    path: 'body.sites.0.postalCode',
  },
  {
    name: 'receivedAt on a day that does not exist',
    method: 'PUT',
    url: STORED_URL,
    payload: edit((p) => (p.receivedAt = '2026-02-30')),
    status: 400,
    code: 'invalid_input',
    path: 'body.receivedAt',
    message: /not a real calendar date/,
  },
  {
    name: 'receivedAt written the French way',
    method: 'PUT',
    url: STORED_URL,
    payload: edit((p) => (p.receivedAt = '02/03/2026')),
    status: 400,
    code: 'invalid_input',
    path: 'body.receivedAt',
    message: /YYYY-MM-DD/,
  },
  {
    name: 'milestone actual date that does not exist',
    method: 'PUT',
    url: STORED_URL,
    payload: edit((p) => (p.milestones = { ...p.milestones, rle: { planned: '2026-09-19', actual: '2026-02-30' } })),
    status: 400,
    code: 'invalid_input',
    path: 'body.milestones.rle.actual',
  },
  {
    name: 'unknown milestone code',
    method: 'PUT',
    url: STORED_URL,
    payload: edit(
      (p) => (p.milestones = { ...p.milestones, handover: { planned: '2026-10-01' } } as Mutable['milestones']),
    ),
    status: 400,
    code: 'invalid_input',
    path: 'body.milestones.handover',
    message: /"handover"/,
  },
  {
    name: 'unknown date field inside a milestone',
    method: 'PUT',
    url: STORED_URL,
    payload: edit((p) => (p.milestones = { ...p.milestones, rle: { due: '2026-10-01' } } as Mutable['milestones'])),
    status: 400,
    code: 'invalid_input',
    path: 'body.milestones.rle.due',
    message: /"due"/,
  },
  {
    name: 'unknown top-level field (strict)',
    method: 'PUT',
    url: STORED_URL,
    payload: edit((p) => (p.priority = 'high')),
    status: 400,
    code: 'invalid_input',
    path: 'body.priority',
    message: /"priority"/,
  },
  {
    name: 'a site pointing at an unknown contact',
    method: 'PUT',
    url: STORED_URL,
    payload: edit((p) => (site(p, 2).contactId = 'ct-99')),
    status: 400,
    code: 'invalid_input',
    path: 'body.sites.2.contactId',
    message: /ct-99/,
  },
  {
    name: 'duplicate site refs',
    method: 'PUT',
    url: STORED_URL,
    payload: edit((p) => (site(p, 5).ref = 'SU1030001')),
    status: 400,
    code: 'invalid_input',
    path: 'body.sites.5.ref',
    message: /duplicate site ref "SU1030001"/,
  },
  {
    name: 'duplicate contact ids',
    method: 'PUT',
    url: STORED_URL,
    payload: edit((p) => {
      contact(p, 1).id = 'ct-1';
      p.sites.forEach((s) => (s.contactId = 'ct-1'));
    }),
    status: 400,
    code: 'invalid_input',
    path: 'body.contacts.1.id',
    message: /duplicate contact id "ct-1"/,
  },
  {
    name: 'label of 201 characters',
    method: 'PUT',
    url: STORED_URL,
    payload: edit((p) => (p.label = 'L'.repeat(201))),
    status: 400,
    code: 'invalid_input',
    path: 'body.label',
    message: /at most 200/,
  },
  {
    name: 'site name of 121 characters',
    method: 'PUT',
    url: STORED_URL,
    payload: edit((p) => (site(p, 7).name = 'N'.repeat(121))),
    status: 400,
    code: 'invalid_input',
    path: 'body.sites.7.name',
  },
  {
    name: 'empty lastName',
    method: 'PUT',
    url: STORED_URL,
    payload: edit((p) => (contact(p, 0).lastName = '')),
    status: 400,
    code: 'invalid_input',
    path: 'body.contacts.0.lastName',
  },
  {
    name: 'lastName of blanks only',
    method: 'PUT',
    url: STORED_URL,
    payload: edit((p) => (contact(p, 1).lastName = '   ')),
    status: 400,
    code: 'invalid_input',
    path: 'body.contacts.1.lastName',
  },
  {
    name: 'offers not an array',
    method: 'PUT',
    url: STORED_URL,
    payload: edit((p) => (p.offers = 'BVPN' as unknown as Mutable['offers'])),
    status: 400,
    code: 'invalid_input',
    path: 'body.offers',
  },
  {
    name: 'bad civility',
    method: 'PUT',
    url: STORED_URL,
    payload: edit((p) => (contact(p, 0).civility = 'Dr')),
    status: 400,
    code: 'invalid_input',
    path: 'body.contacts.0.civility',
  },
  {
    name: 'agency code in lowercase',
    method: 'PUT',
    url: STORED_URL,
    payload: edit((p) => (p.agency = 'aerm')),
    status: 400,
    code: 'invalid_input',
    path: 'body.agency',
  },
  {
    name: 'contact role outside the enum',
    method: 'PUT',
    url: STORED_URL,
    payload: edit((p) => (contact(p, 1).role = 'boss')),
    status: 400,
    code: 'invalid_input',
    path: 'body.contacts.1.role',
  },
  {
    name: 'site role outside the enum',
    method: 'PUT',
    url: STORED_URL,
    payload: edit((p) => (site(p, 4).role = 'central')),
    status: 400,
    code: 'invalid_input',
    path: 'body.sites.4.role',
  },
  {
    name: 'missing RAC',
    method: 'PUT',
    url: STORED_URL,
    payload: edit((p) => delete (p as Partial<Mutable>).rac),
    status: 400,
    code: 'invalid_input',
    path: 'body.rac',
  },
  // PUT of a new order: nothing may be created.
  {
    name: 'new order with a bad email',
    method: 'PUT',
    url: NEW_URL,
    payload: edit((p) => (contact(p, 0).email = 'hugo@@durance.example')),
    status: 400,
    code: 'invalid_input',
    path: 'body.contacts.0.email',
  },
  {
    name: 'body over the size limit (default 2 MiB)',
    method: 'PUT',
    url: NEW_URL,
    payload: edit((p) => (p.label = 'x'.repeat(2_200_000))),
    status: 413,
    code: 'body_too_large',
    message: /body/i,
  },
  {
    name: 'invalid JSON',
    method: 'PUT',
    url: STORED_URL,
    payload: '{"orderNumber": "CMD-2026-000103",',
    headers: { 'content-type': 'application/json' },
    status: 400,
    code: 'invalid_json',
    message: /JSON/,
  },
  {
    name: 'JSON null as the body',
    method: 'PUT',
    url: STORED_URL,
    payload: 'null',
    headers: { 'content-type': 'application/json' },
    status: 400,
    code: 'invalid_input',
    path: 'body',
  },
  {
    name: 'bad ref in the URL (PUT)',
    method: 'PUT',
    url: '/v1/projects/%20bad',
    payload: STORED,
    status: 400,
    code: 'invalid_input',
    path: 'params.ref',
  },
  {
    name: 'bad ref in the URL (GET)',
    method: 'GET',
    url: '/v1/projects/%20bad',
    status: 400,
    code: 'invalid_input',
    path: 'params.ref',
  },
  {
    name: 'ref of 65 characters in the URL',
    method: 'GET',
    url: `/v1/projects/${'R'.repeat(65)}`,
    status: 400,
    code: 'invalid_input',
    path: 'params.ref',
  },
  // PATCH milestones
  {
    name: 'PATCH milestones with a date that does not exist',
    method: 'PATCH',
    url: `${STORED_URL}/milestones`,
    payload: { rle: { actual: '2026-02-30' } },
    status: 400,
    code: 'invalid_input',
    path: 'body.rle.actual',
  },
  {
    name: 'PATCH milestones with a French date',
    method: 'PATCH',
    url: `${STORED_URL}/milestones`,
    payload: { rlp: { planned: '11/09/2026' } },
    status: 400,
    code: 'invalid_input',
    path: 'body.rlp.planned',
  },
  {
    name: 'PATCH milestones with an empty object',
    method: 'PATCH',
    url: `${STORED_URL}/milestones`,
    payload: {},
    status: 400,
    code: 'invalid_input',
    path: 'body',
    message: /at least one milestone/,
  },
  {
    name: 'PATCH milestones with an unknown code',
    method: 'PATCH',
    url: `${STORED_URL}/milestones`,
    payload: { handover: { actual: '2026-09-01' } },
    status: 400,
    code: 'invalid_input',
    path: 'body',
    message: /"handover"/,
  },
  // CSV import: a bad file leaves the site list as it was.
  {
    name: 'CSV with a bad postal code on line 3',
    method: 'POST',
    url: `${STORED_URL}/sites/import`,
    payload: `${CSV_HEADER}\nS1;Siège;1 rue A;13001;Marseille;ct-1\nS2;Agence;2 rue B;1300;Marseille;ct-2\n`,
    headers: csv,
    status: 400,
    code: 'invalid_csv',
    path: 'line 3.postalCode',
    line: 3,
  },
  {
    name: 'CSV with a missing required column (Ville)',
    method: 'POST',
    url: `${STORED_URL}/sites/import`,
    payload: 'Référence;Nom;Adresse;Code postal\nS1;Siège;1 rue A;13001\n',
    headers: csv,
    status: 400,
    code: 'invalid_csv',
    path: 'line 1.city',
    line: 1,
  },
  {
    name: 'CSV with a duplicate ref across lines',
    method: 'POST',
    url: `${STORED_URL}/sites/import`,
    payload: `${CSV_HEADER}\nS1;Siège;1 rue A;13001;Marseille;ct-1\nS2;Agence;2 rue B;13002;Marseille;ct-2\nS1;Agence bis;3 rue C;13003;Marseille;\n`,
    headers: csv,
    status: 400,
    code: 'invalid_csv',
    path: 'line 4.ref',
    line: 4,
  },
  {
    name: 'CSV with a contact unknown to the order',
    method: 'POST',
    url: `${STORED_URL}/sites/import`,
    payload: `${CSV_HEADER}\nS1;Siège;1 rue A;13001;Marseille;ct-7\n`,
    headers: csv,
    status: 400,
    code: 'invalid_csv',
    path: 'line 2.contactId',
    line: 2,
  },
  {
    name: 'CSV with a line missing cells',
    method: 'POST',
    url: `${STORED_URL}/sites/import`,
    payload: `${CSV_HEADER}\nS1;Siège;1 rue A;13001;Marseille;ct-1\nS2;Agence;2 rue B\n`,
    headers: csv,
    status: 400,
    code: 'invalid_csv',
    path: 'line 3.csv',
    line: 3,
  },
  {
    name: 'empty CSV file',
    method: 'POST',
    url: `${STORED_URL}/sites/import`,
    payload: '',
    headers: csv,
    status: 400,
    code: 'invalid_csv',
    path: 'line 1.csv',
    line: 1,
  },
  // Keys
  {
    name: 'API key with a role outside the enum',
    method: 'POST',
    url: '/v1/keys',
    payload: { name: 'planning tool', role: 'superuser', agency: 'AERM' },
    status: 400,
    code: 'invalid_input',
    path: 'body.role',
  },
];

/** JSON nested `levels` deep: {"a":{"a":…}}. */
function nested(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: 'x' };
  for (let i = 1; i < levels; i++) value = { a: value };
  return value;
}
const siteLine = (i: number) => `S${i};Agence ${i};${i} rue A;13001;Marseille;ct-1`;
const NO_MESSAGE = '00000000-0000-4000-8000-000000000000';
const NUL = '\u0000';
const LONE_HIGH = '\uD800';
const LONE_LOW = '\uDC00';

/**
 * Input a client should never send, as an attacker or a broken export would: characters no
 * field can store, oversized or over-nested bodies, wrong types. Each gets a 4xx, changes
 * nothing, and its request leaves no trace of the body in the log.
 */
const HOSTILE: Case[] = [
  {
    name: 'NUL in a contact last name',
    method: 'PUT',
    url: STORED_URL,
    payload: edit((p) => (contact(p, 1).lastName = `Roux${NUL}DROP`)),
    status: 400,
    code: 'invalid_input',
    path: 'body.contacts.1.lastName',
    message: /NUL/,
  },
  {
    name: 'NUL in a contact email',
    method: 'PUT',
    url: STORED_URL,
    payload: edit((p) => (contact(p, 0).email = `hugo.moreau@durance.example${NUL}`)),
    status: 400,
    code: 'invalid_input',
    path: 'body.contacts.0.email',
  },
  {
    name: 'NUL in an offer label (stored as JSON)',
    method: 'PUT',
    url: STORED_URL,
    payload: edit((p) => ((p.offers[0] as Record<string, unknown>).label = `Business${NUL}VPN`)),
    status: 400,
    code: 'invalid_input',
    path: 'body.offers.0.label',
  },
  {
    name: 'NUL in a site access description',
    method: 'PUT',
    url: STORED_URL,
    payload: edit((p) => (site(p, 2).access = { current: `FTTH${NUL}` })),
    status: 400,
    code: 'invalid_input',
    path: 'body.sites.2.access.current',
  },
  {
    name: 'NUL in a field name',
    method: 'PUT',
    url: STORED_URL,
    payload: edit((p) => (contact(p, 0)[`note${NUL}`] = 'x')),
    status: 400,
    code: 'invalid_input',
    path: 'body.contacts.0.note\\u0000',
  },
  {
    name: 'NUL in the personal message of a new message',
    method: 'POST',
    url: '/v1/messages',
    payload: {
      projectRef: STORED.orderNumber,
      template: 'accuse-reception',
      draft: true,
      blocks: { personalMessage: `Bonjour${NUL}` },
    },
    status: 400,
    code: 'invalid_input',
    path: 'body.blocks.personalMessage',
  },
  {
    name: 'NUL in an explicit recipient name',
    method: 'POST',
    url: '/v1/messages',
    payload: {
      projectRef: STORED.orderNumber,
      template: 'accuse-reception',
      draft: true,
      recipients: { to: [{ email: 'hugo.moreau@durance.example', name: `Hugo${NUL}Moreau` }] },
    },
    status: 400,
    code: 'invalid_input',
    path: 'body.recipients.to.0.name',
  },
  {
    name: 'NUL in a cancel reason',
    method: 'POST',
    url: `/v1/messages/${NO_MESSAGE}/cancel`,
    payload: { reason: `client${NUL}` },
    status: 400,
    code: 'invalid_input',
    path: 'body.reason',
  },
  {
    name: 'NUL in the name of a new API key',
    method: 'POST',
    url: '/v1/keys',
    payload: { name: `portail${NUL}`, role: 'integration', agency: 'AERM' },
    status: 400,
    code: 'invalid_input',
    path: 'body.name',
  },
  {
    name: 'NUL in a RAC signature',
    method: 'PUT',
    url: '/v1/racs/rac-moreau',
    payload: { displayName: `Hélène${NUL}Moreau`, agency: 'AERM' },
    status: 400,
    code: 'invalid_input',
    path: 'body.displayName',
  },
  {
    name: 'NUL in a query parameter',
    method: 'GET',
    url: '/v1/stats/usage?groupBy=month%00',
    status: 400,
    code: 'invalid_input',
    path: 'querystring.groupBy',
  },
  {
    name: 'NUL in a path parameter',
    method: 'GET',
    url: '/v1/projects/CMD%00X',
    status: 400,
    code: 'invalid_input',
    path: 'params.ref',
  },
  {
    name: 'a lone high surrogate in a contact first name',
    method: 'PUT',
    url: STORED_URL,
    payload: edit((p) => (contact(p, 0).firstName = `Hugo${LONE_HIGH}`)),
    status: 400,
    code: 'invalid_input',
    path: 'body.contacts.0.firstName',
    message: /surrogate/,
  },
  {
    name: 'a lone low surrogate in the label of a new order',
    method: 'PUT',
    url: NEW_URL,
    payload: edit((p) => (p.label = `${LONE_LOW}Déploiement`)),
    status: 400,
    code: 'invalid_input',
    path: 'body.label',
  },
  {
    name: 'a lone surrogate in template data',
    method: 'POST',
    url: '/v1/messages/preview',
    payload: { projectRef: STORED.orderNumber, template: 'cloture', data: { note: `fin${LONE_HIGH}` } },
    status: 400,
    code: 'invalid_input',
    path: 'body.data.note',
  },
  {
    name: 'an invalid percent-encoding in the path',
    method: 'GET',
    url: '/v1/projects/CMD%ED%A0%80',
    status: 400,
    code: 'invalid_input',
    path: 'url',
  },
  {
    name: 'JSON nested 40 levels deep in template data',
    method: 'POST',
    url: '/v1/messages',
    payload: { projectRef: STORED.orderNumber, template: 'accuse-reception', draft: true, data: nested(40) },
    status: 400,
    code: 'invalid_input',
    path: 'body.data.a.a',
    message: /nested more than 32 levels/,
  },
  {
    name: 'an order nested 10,000 levels deep',
    method: 'PUT',
    url: NEW_URL,
    payload: `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`,
    headers: { 'content-type': 'application/json' },
    status: 400,
    code: 'invalid_input',
    path: 'body.a.a.a',
  },
  {
    name: '200,000 offers that are not offers',
    method: 'PUT',
    url: STORED_URL,
    payload: edit((p) => (p.offers = Array.from({ length: 200_000 }, () => 1) as unknown as Mutable['offers'])),
    status: 400,
    code: 'invalid_input',
    path: 'body.offers',
    message: /at most 50 offers/,
  },
  {
    name: '5,000 sites that are not sites: the first 100 problems and their count',
    method: 'PUT',
    url: STORED_URL,
    payload: edit((p) => (p.sites = Array.from({ length: 5_000 }, () => 1) as unknown as Mutable['sites'])),
    status: 400,
    code: 'invalid_input',
    path: 'body.sites.0',
    message: /\(and 4999 more\)/,
    total: 5_000,
  },
  {
    name: 'contacts given as an object',
    method: 'PUT',
    url: STORED_URL,
    payload: edit((p) => (p.contacts = { 0: STORED.contacts[0] } as unknown as Mutable['contacts'])),
    status: 400,
    code: 'invalid_input',
    path: 'body.contacts',
  },
  {
    name: 'the order as a JSON array',
    method: 'PUT',
    url: STORED_URL,
    payload: JSON.stringify([STORED]),
    headers: { 'content-type': 'application/json' },
    status: 400,
    code: 'invalid_input',
    path: 'body',
  },
  {
    name: 'draft given as a string',
    method: 'POST',
    url: '/v1/messages',
    payload: { projectRef: STORED.orderNumber, template: 'accuse-reception', draft: 'yes' },
    status: 400,
    code: 'invalid_input',
    path: 'body.draft',
  },
  {
    name: 'a prototype-polluting field',
    method: 'PUT',
    url: STORED_URL,
    payload: JSON.stringify(STORED).replace('{', '{"__proto__":{"admin":true},'),
    headers: { 'content-type': 'application/json' },
    status: 400,
    code: 'invalid_json',
  },
  {
    name: 'CSV with a NUL byte on line 3',
    method: 'POST',
    url: `${STORED_URL}/sites/import`,
    payload: `${CSV_HEADER}\n${siteLine(1)}\nS2;Agence${NUL};2 rue B;13002;Marseille;ct-2\n`,
    headers: csv,
    status: 400,
    code: 'invalid_csv',
    path: 'line 3',
    line: 3,
  },
  {
    name: 'NUL in 1,000 site names: the first 100 problems and their count',
    method: 'PUT',
    url: STORED_URL,
    payload: edit(
      (p) =>
        (p.sites = Array.from({ length: 1_000 }, (_, i) => ({
          ...(STORED.sites[0] as Mutable['sites'][number]),
          ref: `S${i}`,
          name: `Site${NUL}${i}`,
        }))),
    ),
    status: 400,
    code: 'invalid_input',
    path: 'body.sites.0.name',
    message: /\(and 999 more\)/,
    total: 1_000,
  },
  {
    name: 'CSV with a NUL byte on 150 lines',
    method: 'POST',
    url: `${STORED_URL}/sites/import`,
    payload: `${CSV_HEADER}\n${Array.from({ length: 150 }, (_, i) => `${siteLine(i)}${NUL}`).join('\n')}\n`,
    headers: csv,
    status: 400,
    code: 'invalid_csv',
    path: 'line 2',
    line: 2,
    total: 150,
  },
  {
    name: 'CSV of 10 MB',
    method: 'POST',
    url: `${STORED_URL}/sites/import`,
    payload: `${CSV_HEADER}\n${Array.from({ length: 300_000 }, (_, i) => siteLine(i)).join('\n')}\n`,
    headers: csv,
    status: 413,
    code: 'body_too_large',
    message: /5242880 bytes|5 MB/,
  },
  {
    name: 'CSV of 100,000 lines',
    method: 'POST',
    url: `${STORED_URL}/sites/import`,
    payload: `${CSV_HEADER}\n${Array.from({ length: 100_000 }, (_, i) => `S${i};N;A;13001;V;`).join('\n')}\n`,
    headers: csv,
    status: 400,
    code: 'invalid_csv',
    path: 'line 5002.csv',
    message: /at most 5000 site lines/,
  },
  {
    name: 'CSV of 3,000 bad lines: the first 100 problems and their count',
    method: 'POST',
    url: `${STORED_URL}/sites/import`,
    payload: `${CSV_HEADER}\n${Array.from({ length: 3_000 }, (_, i) => `S${i};N;A;1300;V;`).join('\n')}\n`,
    headers: csv,
    status: 400,
    code: 'invalid_csv',
    path: 'line 2.postalCode',
    total: 3_000,
  },
];

const rowsOf = <T>(result: unknown) => (result as { rows: T[] }).rows;

/** The strings of a payload worth looking for in a log: long enough not to occur by chance, not in the URL. */
function secretsOf(payload: unknown): string[] {
  const strings = new Set<string>();
  const visit = (value: unknown, depth: number) => {
    if (typeof value === 'string') {
      if (value.length >= 6) strings.add(value.slice(0, 40));
    } else if (value && typeof value === 'object' && depth < 40) {
      for (const item of Object.values(value).slice(0, 50)) visit(item, depth + 1);
    }
  };
  let parsed: unknown = payload;
  if (typeof payload === 'string') {
    try {
      parsed = JSON.parse(payload);
    } catch {
      parsed = undefined;
    }
  }
  if (typeof payload === 'string' && parsed === undefined) {
    for (const cell of payload.slice(0, 5_000).split(/[;\n]/)) if (cell.length >= 6) strings.add(cell);
  } else {
    visit(parsed, 0);
  }
  // Order numbers and template keys are in the URL or harmless; personal data is what matters.
  return [...strings].filter((value) => !/^(CMD-|SUIVI-|accuse-|Référence)/.test(value));
}

describe.each(BACKENDS)('validation on %s', (backend) => {
  let t: TestApp;

  /** Everything a failed request could have touched. */
  const snapshot = async () => {
    const [counts] = rowsOf<Record<string, number>>(
      await t.deps.db.execute(
        sql`select (select count(*) from projects)::int as projects, (select count(*) from contacts)::int as contacts,
                   (select count(*) from sites)::int as sites, (select count(*) from milestones)::int as milestones,
                   (select count(*) from history_events)::int as history, (select count(*) from api_keys)::int as keys`,
      ),
    );
    const stored = await t.request(t.adminKey, { method: 'GET', url: STORED_URL });
    const other = await t.request(t.adminKey, { method: 'GET', url: `/v1/projects/${OTHER.orderNumber}` });
    return { counts, stored: stored.json() as unknown, other: other.json() as unknown };
  };

  beforeAll(async () => {
    t = await createTestApp(backend);
    for (const project of [STORED, OTHER]) {
      const response = await t.request(t.adminKey, {
        method: 'PUT',
        url: `/v1/projects/${project.orderNumber}`,
        payload: project,
      });
      expect(response.statusCode, response.body).toBe(201);
    }
  });
  afterAll(async () => t?.close());

  it('has at least 24 distinct bad inputs', () => {
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
    expect(CASES.length).toBeGreaterThanOrEqual(24);
  });

  async function check(testCase: Case) {
    const before = await snapshot();
    const response = await t.request(t.adminKey, {
      method: testCase.method,
      url: testCase.url,
      payload: testCase.payload,
      ...(testCase.headers ? { headers: testCase.headers } : {}),
    });
    expect(response.statusCode, response.body.slice(0, 2_000)).toBe(testCase.status);
    const { error } = response.json() as {
      error: {
        code: string;
        message: string;
        requestId: string;
        details?: { path: string; line?: number }[];
        detailsTotal?: number;
      };
    };
    expect(error.code).toBe(testCase.code);
    expect(error.requestId).toBe(response.headers['x-request-id']);
    expect(error.message).not.toMatch(/\n/);
    if (testCase.path !== undefined) {
      expect(error.details?.map((d) => d.path)).toContain(testCase.path);
      // The message repeats the first problem, so that a log line alone is enough.
      expect(error.message.startsWith(`${error.details?.[0]?.path}:`)).toBe(true);
    }
    if (testCase.message) expect(error.message).toMatch(testCase.message);
    if (testCase.line !== undefined) {
      expect(error.details?.find((d) => d.path === testCase.path)?.line).toBe(testCase.line);
    }
    // However bad the input, an error lists at most 100 problems, with their count.
    expect(error.details?.length ?? 0).toBeLessThanOrEqual(100);
    expect(error.detailsTotal).toBe(testCase.total);
    expect(response.body.length).toBeLessThan(30_000);
    expect(await snapshot()).toEqual(before);
    return response;
  }

  it.each(CASES)('$name → $status', async (testCase) => {
    await check(testCase);
  });

  it('has at least 20 hostile inputs', () => {
    expect(new Set(HOSTILE.map((c) => c.name)).size).toBe(HOSTILE.length);
    expect(HOSTILE.length).toBeGreaterThanOrEqual(20);
  });

  it.each(HOSTILE)('hostile: $name → $status, nothing stored, nothing of the body logged', async (testCase) => {
    const response = await check(testCase);
    // The request's own log lines: what Fastify and the error handler wrote about it before
    // answering (only "request completed", with the status, may follow the answer).
    const id = String(response.headers['x-request-id']);
    const lines = await waitFor(async () => {
      const mine = (await t.logs()).split('\n').filter((line) => line.includes(`"reqId":"${id}"`));
      return mine.length > 0 ? mine : undefined;
    }, 5_000);
    const text = lines.join('\n');
    expect(text).not.toMatch(/\\u0000|\\ud[89ab]|\\udc/i);
    expect(text).not.toMatch(/"(body|payload)"/);
    for (const secret of secretsOf(testCase.payload)) expect(text).not.toContain(secret);
  });

  it('a query the database refuses is a 500 logged without the query, its parameters or the key hash', async () => {
    // A real refusal from the database, on the insert of a new key (whose hash is a parameter).
    await t.deps.db.execute(sql`alter table api_keys add constraint refuse_probe check (name <> 'refusée')`);
    try {
      const response = await t.request(t.adminKey, {
        method: 'POST',
        url: '/v1/keys',
        payload: { name: 'refusée', role: 'integration', agency: 'AERM' },
      });
      expect(response.statusCode).toBe(500);
      expect(response.body).not.toMatch(/insert|refuse_probe|api_keys/);
      const id = String(response.headers['x-request-id']);
      const text = (await t.logs())
        .split('\n')
        .filter((line) => line.includes(`"reqId":"${id}"`))
        .join('\n');
      const failed = JSON.parse(text.split('\n').find((line) => line.includes('request failed')) ?? '{}') as {
        err?: { type: string; cause?: { code: string; message: string; constraint?: string } };
      };
      expect(failed.err).toMatchObject({ type: 'DrizzleQueryError', cause: { code: '23514' } });
      expect(failed.err?.cause?.message).toMatch(/refuse_probe/);
      expect(text).not.toMatch(/insert into|params|refusée|jln_[A-Za-z0-9]{8}/i);
      expect(text).not.toMatch(/\b[0-9a-f]{64}\b/);
    } finally {
      await t.deps.db.execute(sql`alter table api_keys drop constraint refuse_probe`);
    }
  });

  it('Idempotency-Key: the same body with its fields in another order is a replay, another body a 422', async () => {
    const headers = { 'idempotency-key': `reordered-${backend}` };
    const send = (payload: unknown) => t.request(t.adminKey, { method: 'POST', url: '/v1/messages', payload, headers });
    const first = await send({
      projectRef: STORED.orderNumber,
      template: 'accuse-reception',
      draft: true,
      blocks: { personalMessage: 'Ravi de vous accompagner.', closing: 'À très bientôt,' },
      data: { prerequisitesVideoUrl: 'https://videos.example/prerequis' },
    });
    expect(first.statusCode, first.body).toBe(201);
    const replay = await send({
      data: { prerequisitesVideoUrl: 'https://videos.example/prerequis' },
      blocks: { closing: 'À très bientôt,', personalMessage: 'Ravi de vous accompagner.' },
      draft: true,
      template: 'accuse-reception',
      projectRef: STORED.orderNumber,
    });
    expect(replay.statusCode, replay.body).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect((replay.json() as { id: string }).id).toBe((first.json() as { id: string }).id);
    const other = await send({
      projectRef: STORED.orderNumber,
      template: 'accuse-reception',
      draft: true,
      blocks: { personalMessage: 'Autre chose.', closing: 'À très bientôt,' },
      data: { prerequisitesVideoUrl: 'https://videos.example/prerequis' },
    });
    expect(other.statusCode).toBe(422);
  });

  it.each([
    ['06 39 98 12 34', '+33639981234'],
    ['06.39.98.12.34', '+33639981234'],
    ['+33 (0)6 39 98 12 34', '+33639981234'],
    ['0033639981234', '+33639981234'],
    ['07 12 34 56 78', '+33712345678'],
    ['+44 7911 123456', '+447911123456'],
    ['+32 470 12 34 56', '+32470123456'],
    ['0692 12 34 56', '+262692123456'],
    ['+590 690 12 34 56', '+590690123456'],
  ])('accepts the mobile %s and stores %s', async (written, stored) => {
    const payload = edit((p) => {
      p.orderNumber = 'CMD-PHONE-1';
      contact(p, 1).mobile = written;
      p.rac.phone = written;
    });
    const response = await t.request(t.adminKey, { method: 'PUT', url: '/v1/projects/CMD-PHONE-1', payload });
    expect(response.statusCode, response.body).toBeLessThan(300);
    const body = response.json() as ProjectInput;
    expect(body.contacts[1]?.mobile).toBe(stored);
    expect(body.rac.phone).toBe(stored);
  });

  it('accepts a landline as a phone (RAC), though not as a mobile', async () => {
    const payload = edit((p) => {
      p.orderNumber = 'CMD-PHONE-2';
      p.rac.phone = '01 23 45 67 89';
    });
    const response = await t.request(t.adminKey, { method: 'PUT', url: '/v1/projects/CMD-PHONE-2', payload });
    expect(response.statusCode, response.body).toBe(201);
    expect((response.json() as ProjectInput).rac.phone).toBe('+33123456789');
  });

  describe('CSV import', () => {
    const url = `/v1/projects/${OTHER.orderNumber}/sites/import`;

    it('takes a French Excel export: BOM, ";", CRLF, a quoted cell with a newline', async () => {
      const file =
        '\uFEFFRéférence;Nom;Adresse;Code postal;Ville;Rôle;Contact;Accès actuel;Accès cible\r\n' +
        'SU-A;Siège Montpellier;104 avenue Jean Jaurès;34000;Montpellier;Principal;ct-1;FTTH 1G;VDSL 50M\r\n' +
        'SU-B;"Agence Nîmes; centre";"12 rue de la Paix\r\nBâtiment B";30000;Nîmes;distant;ct-2;;\r\n' +
        "SU-C;Dépôt Sète;3 quai d'Alger;34200;Sète;;;ADSL 8M;\r\n";
      const response = await t.request(t.adminKey, {
        method: 'POST',
        url,
        payload: file,
        headers: { 'content-type': 'text/csv; charset=utf-8' },
      });
      expect(response.statusCode, response.body).toBe(200);
      const body = response.json() as { imported: number; ignoredColumns: string[]; project: ProjectInput };
      expect(body.imported).toBe(3);
      expect(body.ignoredColumns).toEqual([]);
      expect(body.project.sites.map((s) => s.ref)).toEqual(['SU-A', 'SU-B', 'SU-C']);
      expect(body.project.sites[0]).toEqual({
        ref: 'SU-A',
        name: 'Siège Montpellier',
        address: '104 avenue Jean Jaurès',
        postalCode: '34000',
        city: 'Montpellier',
        role: 'main',
        contactId: 'ct-1',
        access: { current: 'FTTH 1G', target: 'VDSL 50M' },
      });
      expect(body.project.sites[1]).toMatchObject({ name: 'Agence Nîmes; centre', role: 'remote', contactId: 'ct-2' });
      expect(body.project.sites[1]?.address).toMatch(/^12 rue de la Paix\r?\nBâtiment B$/);
      expect(body.project.sites[1]?.access).toBeUndefined();
      expect(body.project.sites[2]).toEqual({
        ref: 'SU-C',
        name: 'Dépôt Sète',
        address: "3 quai d'Alger",
        postalCode: '34200',
        city: 'Sète',
        role: 'remote',
        access: { current: 'ADSL 8M' },
      });

      // What is stored is what was returned, and the import is in the order's history.
      const stored = await t.request(t.adminKey, { method: 'GET', url: `/v1/projects/${OTHER.orderNumber}` });
      expect((stored.json() as ProjectInput).sites).toEqual(body.project.sites);
      const events = rowsOf<{ type: string; data: Record<string, unknown> }>(
        await t.deps.db.execute(
          sql`select type, data from history_events where project_ref = ${OTHER.orderNumber} order by id desc limit 1`,
        ),
      );
      expect(events[0]).toMatchObject({ type: 'sites.imported', data: { before: OTHER.sites.length, after: 3 } });
    });

    it('takes an English export with "," and reports unknown columns', async () => {
      const file =
        'Ref,Name,Address,Postal code,City,Role,Contact ID,Comment\n' +
        'EN-1,Head office,"1 Main Street, floor 2",75001,Paris,main,ct-2,call first\n' +
        'EN-2,Branch,2 High Street,69001,Lyon,remote,,\n';
      const response = await t.request(t.adminKey, { method: 'POST', url, payload: file, headers: csv });
      expect(response.statusCode, response.body).toBe(200);
      const body = response.json() as { imported: number; ignoredColumns: string[]; project: ProjectInput };
      expect(body.imported).toBe(2);
      expect(body.ignoredColumns).toEqual(['Comment']);
      expect(body.project.sites).toEqual([
        {
          ref: 'EN-1',
          name: 'Head office',
          address: '1 Main Street, floor 2',
          postalCode: '75001',
          city: 'Paris',
          role: 'main',
          contactId: 'ct-2',
        },
        { ref: 'EN-2', name: 'Branch', address: '2 High Street', postalCode: '69001', city: 'Lyon', role: 'remote' },
      ]);
      const count = rowsOf<{ n: number }>(
        await t.deps.db.execute(sql`select count(*)::int as n from sites where project_ref = ${OTHER.orderNumber}`),
      );
      expect(count[0]?.n).toBe(2);
    });

    it('answers 404 for an order that does not exist, creating nothing', async () => {
      const before = await snapshot();
      const response = await t.request(t.adminKey, {
        method: 'POST',
        url: '/v1/projects/CMD-NOPE/sites/import',
        payload: `${CSV_HEADER}\nS1;Siège;1 rue A;13001;Marseille;\n`,
        headers: csv,
      });
      expect(response.statusCode).toBe(404);
      expect(await snapshot()).toEqual(before);
    });
  });
});

describe.each(BACKENDS)('body size limit from BODY_LIMIT_BYTES on %s', (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(backend, { BODY_LIMIT_BYTES: '20000' });
  });
  afterAll(async () => t?.close());

  const count = async () =>
    rowsOf<{ n: number }>(await t.deps.db.execute(sql`select count(*)::int as n from projects`))[0]?.n;

  it('rejects a 20 kB+ order with 413 naming the body, and stores nothing', async () => {
    const payload = { ...OTHER, label: 'x'.repeat(150), offers: OTHER.offers, client: { company: 'y'.repeat(150) } };
    const big = { ...payload, sites: Array.from({ length: 120 }, (_, i) => ({ ...OTHER.sites[0], ref: `S${i}` })) };
    expect(Buffer.byteLength(JSON.stringify(big))).toBeGreaterThan(20_000);
    const response = await t.request(t.adminKey, {
      method: 'PUT',
      url: `/v1/projects/${OTHER.orderNumber}`,
      payload: big,
    });
    expect(response.statusCode).toBe(413);
    const { error } = response.json() as { error: { code: string; message: string } };
    expect(error.code).toBe('body_too_large');
    expect(error.message).toMatch(/body/i);
    expect(await count()).toBe(0);

    // Just under the limit is fine: the limit is the configured one, not the default.
    const small = { ...payload, sites: big.sites.slice(0, 20) };
    expect(Buffer.byteLength(JSON.stringify(small))).toBeLessThan(20_000);
    const accepted = await t.request(t.adminKey, {
      method: 'PUT',
      url: `/v1/projects/${OTHER.orderNumber}`,
      payload: small,
    });
    expect(accepted.statusCode, accepted.body).toBe(201);
    expect(await count()).toBe(1);
  });
});

describe.each(BACKENDS)('site-list import limits from CSV_MAX_BYTES and CSV_MAX_ROWS on %s', (backend) => {
  let t: TestApp;
  const url = `/v1/projects/${OTHER.orderNumber}/sites/import`;
  beforeAll(async () => {
    t = await createTestApp(backend, { CSV_MAX_BYTES: '2048', CSV_MAX_ROWS: '3' });
    const created = await t.request(t.adminKey, {
      method: 'PUT',
      url: `/v1/projects/${OTHER.orderNumber}`,
      payload: OTHER,
    });
    expect(created.statusCode, created.body).toBe(201);
  });
  afterAll(async () => t?.close());

  const post = (lines: number, filler = '') =>
    t.request(t.adminKey, {
      method: 'POST',
      url,
      payload: `${CSV_HEADER}\n${Array.from({ length: lines }, (_, i) => `${siteLine(i)}${filler}`).join('\n')}\n`,
      headers: csv,
    });

  it('takes a file within both limits', async () => {
    const response = await post(3);
    expect(response.statusCode, response.body).toBe(200);
    expect((response.json() as { imported: number }).imported).toBe(3);
  });

  it('refuses one line too many with 400 naming the line, and one byte too many with 413', async () => {
    const rows = await post(4);
    expect(rows.statusCode).toBe(400);
    expect((rows.json() as { error: { message: string } }).error.message).toBe(
      'line 5.csv: at most 3 site lines per import, and this file has more: split it',
    );
    const bytes = await post(2, ' '.repeat(1_100));
    expect(bytes.statusCode).toBe(413);
    expect((bytes.json() as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'body_too_large',
      message: 'body: larger than the 2048 bytes this route accepts',
    });
    const stored = await t.request(t.adminKey, { method: 'GET', url: `/v1/projects/${OTHER.orderNumber}` });
    expect((stored.json() as ProjectInput).sites).toHaveLength(3);
  });
});
