import { readFileSync } from 'node:fs';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { BACKENDS } from '../helpers/db.js';
import { loadFixture } from '../helpers/fixtures.js';

/** What an order tool or a spreadsheet sends, checked before anything is stored. */
const ORDER = loadFixture('CMD-2026-000103');
const ORDER_URL = `/v1/projects/${ORDER.orderNumber}`;
const EXCEL = readFileSync(new URL('../fixtures/sites/CMD-2026-000103-excel-windows-1252.csv', import.meta.url));

describe.each(BACKENDS)('order data on %s', (backend) => {
  let t: TestApp;
  const api = (method: string, url: string, payload?: unknown, headers?: Record<string, string>) =>
    t.request(t.adminKey, { method, url, payload, ...(headers ? { headers } : {}) });
  const tomorrow = DateTime.now().setZone('Europe/Paris').plus({ days: 1 }).toISODate() ?? '';

  beforeAll(async () => {
    t = await createTestApp(backend);
    expect((await api('PUT', ORDER_URL, ORDER)).statusCode).toBe(201);
  });
  afterAll(async () => t?.close());

  it('refuses an order number that is not the one of the address, naming the field', async () => {
    const response = await api('PUT', ORDER_URL, { ...ORDER, orderNumber: 'CMD-2026-000999' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: { details: [{ path: 'body.orderNumber' }] } });
    expect((await api('GET', '/v1/projects/CMD-2026-000999')).statusCode).toBe(404);
  });

  it('refuses actual dates after today (Europe/Paris), by PUT and by PATCH', async () => {
    const put = await api('PUT', ORDER_URL, {
      ...ORDER,
      milestones: { ...ORDER.milestones, rle: { actual: tomorrow } },
    });
    expect(put.statusCode).toBe(400);
    expect(put.json()).toMatchObject({ error: { details: [{ path: 'body.milestones.rle.actual' }] } });
    const patch = await api('PATCH', `${ORDER_URL}/milestones`, { clientContact: { actual: tomorrow } });
    expect(patch.statusCode).toBe(400);
    expect(patch.json()).toMatchObject({ error: { details: [{ path: 'body.clientContact.actual' }] } });
    // A planned date may be in the future, an actual one today.
    const today = DateTime.now().setZone('Europe/Paris').toISODate() ?? '';
    const fine = await api('PATCH', `${ORDER_URL}/milestones`, {
      rle: { planned: tomorrow },
      clientContact: { actual: today },
    });
    expect(fine.statusCode, fine.body).toBe(200);
  });

  it('imports a French Excel file in Windows-1252, contacts by email or name, line breaks kept', async () => {
    const response = await api('POST', `${ORDER_URL}/sites/import`, EXCEL, { 'content-type': 'text/csv' });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json() as {
      encoding: string;
      imported: number;
      project: { sites: { ref: string; name: string; address: string; contactId?: string; role: string }[] };
    };
    expect(body.encoding).toBe('windows-1252');
    expect(body.imported).toBe(3);
    expect(body.project.sites.map((s) => [s.ref, s.name, s.contactId, s.role])).toEqual([
      ['SU1030001', 'Siège Aix-en-Provence', 'ct-1', 'main'],
      ['SU1030002', 'Entrepôt Saint-Tropez', 'ct-2', 'remote'],
      ['SU1030003', 'Agence Digne-les-Bains', 'ct-2', 'remote'],
    ]);
    expect(body.project.sites[0]?.address).toBe("Bâtiment B\n12 avenue de l'Europe");

    // The same file saved as UTF-8 says so.
    const utf8 = new TextDecoder('windows-1252').decode(EXCEL);
    const again = await api('POST', `${ORDER_URL}/sites/import`, utf8, { 'content-type': 'text/csv; charset=utf-8' });
    expect((again.json() as { encoding: string }).encoding).toBe('utf-8');

    // The address on two lines: a line break in the text part, <br> in the HTML.
    const preview = await api('POST', '/v1/messages/preview', { projectRef: ORDER.orderNumber, template: 'rle-recap' });
    expect(preview.statusCode, preview.body).toBe(200);
    const { html, text } = preview.json() as { html: string; text: string };
    // (the typography may turn the apostrophe into a French one)
    expect(text).toMatch(/Bâtiment B\n12 avenue de l['’]Europe/);
    expect(html).toMatch(/Bâtiment B<br>12 avenue de l(&#39;|&#x27;|'|’)Europe/);
  });

  it('reports errors and duplicates by the file’s line numbers', async () => {
    const file =
      'Référence;Nom;Adresse;Code postal;Ville;Contact\r\n' +
      'S1;A;"1 rue A\r\nBât. 2";13001;Aix;ct-1\r\n' +
      'S2;B;2 rue B;1300;Aix;ct-1\r\n' +
      'S1;C;3 rue C;13003;Aix;Paul Martin\r\n';
    const response = await api('POST', `${ORDER_URL}/sites/import`, file, { 'content-type': 'text/csv' });
    expect(response.statusCode).toBe(400);
    const { details } = (response.json() as { error: { details: { path: string; message: string }[] } }).error;
    expect(details.map((d) => d.path)).toEqual(['line 4.postalCode', 'line 5.contactId']);
    const duplicate = 'ref;name;address;postalCode;city\nS1;A;x;13001;V\nS1;B;y;13002;W\n';
    const twice = await api('POST', `${ORDER_URL}/sites/import`, duplicate, { 'content-type': 'text/csv' });
    expect((twice.json() as { error: { message: string } }).error.message).toBe(
      'line 3.ref: duplicate site ref "S1" (already on line 2)',
    );
  });
});
