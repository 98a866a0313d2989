import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import type { Browser } from 'playwright-core';
import { CHROMIUM, launchChromium } from '../helpers/browser.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { IN_CI } from '../helpers/env.js';
import { createPerson, linkIn } from '../helpers/people.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.js';

const available = existsSync(CHROMIUM);
if (!available && !IN_CI) console.warn(`${CHROMIUM} is missing: the browser tests are skipped`);

/** The page another site would serve: a form posted to Jalon, and fetches with the browser's cookies. */
const attackPage = (target: string) => `<!doctype html><html><body>
<form id="form" method="POST" action="${target}/v1/users" enctype="text/plain" target="sink">
<input name='{"email":"form@evil.example","displayName":"Form","role":"admin","agency":"*","invite":false,"x":"' value='"}'>
</form>
<iframe name="sink" id="sink"></iframe>
<script>
(async () => {
  const body = JSON.stringify({ email: 'fetch@evil.example', displayName: 'Fetch', role: 'admin', agency: '*', invite: false });
  const results = {};
  try {
    const response = await fetch('${target}/v1/users', { method: 'POST', credentials: 'include',
      headers: { 'content-type': 'application/json', 'x-jalon-csrf': '1' }, body });
    results.withHeader = response.status;
  } catch { results.withHeader = 'blocked'; }
  await fetch('${target}/v1/users', { method: 'POST', mode: 'no-cors', credentials: 'include',
    headers: { 'content-type': 'text/plain' }, body }).catch(() => {});
  await fetch('${target}/auth/logout', { method: 'POST', mode: 'no-cors', credentials: 'include' }).catch(() => {});
  document.getElementById('sink').addEventListener('load', () => { window.results = results; });
  document.getElementById('form').submit();
})();
</script></body></html>`;

describe.skipIf(!available && !IN_CI)('cookie writes from another origin, in a real browser, on postgres', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let foreign: Server;
  let browser: Browser;
  let jalon: string;
  let foreignPort: number;
  let person: { id: string; email: string };

  const users = async () =>
    (
      (await t.deps.db.execute(sql`select email from users order by email`)) as unknown as { rows: { email: string }[] }
    ).rows.map((row) => row.email);

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await createTestApp('postgres', { EMAIL_TRANSPORT: 'smtp', SMTP_URL: sink.url });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    jalon = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    foreign = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(attackPage(jalon));
    });
    await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
    foreignPort = (foreign.address() as AddressInfo).port;
    browser = await launchChromium();
    person = await createPerson(t, {
      email: 'admin.aerm@orion-telecom.example',
      displayName: 'Admin AERM',
      role: 'admin',
      agency: '*',
    });
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => foreign?.close(resolve));
    await t?.close();
    await sink?.close();
  });

  /** Signs in through the emailed link, in the browser, and returns its context. */
  async function signedInContext() {
    const context = await browser.newContext();
    const before = sink.received.length;
    t.deps.people.links.request(person.email, undefined);
    const link = linkIn((await sink.waitFor(before + 1))[before]!);
    const page = await context.newPage();
    await page.goto(`${jalon}${link.pathname}${link.search}`);
    // Opening the link spends nothing; the button on the page signs in.
    expect(await context.cookies(jalon)).toEqual([]);
    await Promise.all([page.waitForURL('**/app/'), page.getByRole('button', { name: 'Me connecter' }).click()]);
    // The console is served elsewhere; the session cookie is what matters here.
    const [cookie] = await context.cookies(jalon);
    expect(cookie).toMatchObject({ name: 'jalon_session', httpOnly: true, sameSite: 'Lax' });
    return { context, page };
  }

  it('a page of this service writes with its header; a page of another origin or site cannot', async () => {
    const { context, page } = await signedInContext();
    // From this service's own origin, with the header its pages add: accepted.
    await page.goto(`${jalon}/health`);
    const own = await page.evaluate(async () => {
      const response = await fetch('/v1/users', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-jalon-csrf': '1' },
        body: JSON.stringify({
          email: 'own@orion-telecom.example',
          displayName: 'Own',
          role: 'manager',
          agency: 'AERM',
          invite: false,
        }),
      });
      return response.status;
    });
    expect(own).toBe(201);
    const before = await users();

    // What reached the service, seen from its side: responses to another origin are hidden
    // from the page (and blocked by the resource policy), not from the server.
    const seen: { method: string; path: string; status: number; header: boolean; cookie: boolean }[] = [];
    t.app.server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      response.on('finish', () =>
        seen.push({
          method: request.method ?? '',
          path: (request.url ?? '').split('?')[0] ?? '',
          status: response.statusCode,
          header: 'x-jalon-csrf' in request.headers,
          cookie: (request.headers.cookie ?? '').includes('jalon_session='),
        }),
      );
    });
    const cases = [
      // Same site, another origin (another port of the same host): the Lax cookie is sent.
      { origin: `http://127.0.0.1:${foreignPort}`, users: 403, logout: 403, cookie: true },
      // Another site: the Lax cookie is not even sent.
      { origin: `http://localhost:${foreignPort}`, users: 401, logout: 204, cookie: false },
    ];
    for (const { origin, users: usersStatus, logout, cookie } of cases) {
      seen.length = 0;
      await page.goto(`${origin}/`);
      const results = await page.waitForFunction(() => (globalThis as { results?: unknown }).results);
      // The fetch that adds the header needs a CORS preflight, which is never granted.
      expect(await results.jsonValue()).toEqual({ withHeader: 'blocked' });
      await expect.poll(() => seen.filter((s) => s.method === 'POST').length).toBe(3);
      const posts = seen.filter((s) => s.method === 'POST').sort((a, b) => a.path.localeCompare(b.path));
      expect(posts, origin).toEqual([
        { method: 'POST', path: '/auth/logout', status: logout, header: false, cookie },
        { method: 'POST', path: '/v1/users', status: usersStatus, header: false, cookie },
        { method: 'POST', path: '/v1/users', status: usersStatus, header: false, cookie },
      ]);
    }
    expect(await users()).toEqual(before);
    // The logout attempts did not sign the person out.
    await page.goto(`${jalon}/health`);
    expect(await page.evaluate(async () => (await fetch('/v1/sessions')).status)).toBe(200);
    await context.close();
  });
});
