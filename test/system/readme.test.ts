import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { TEST_REDIS_URL } from '../helpers/env.js';
import { freePort, spawnCommand, spawnEntry, type Spawned, waitFor } from '../helpers/process.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
/** Where README's commands expect the service, replaced by this test's own port. */
const README_BASE = 'http://127.0.0.1:3000';
const ORDER = 'CMD-2026-000102';

/** The shell blocks README marks with `<!-- walkthrough -->`, in the order a reader meets them. */
export function walkthroughBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/<!-- walkthrough -->\r?\n```sh\r?\n([\s\S]*?)\r?\n```/g)].map((match) => match[1]!);
}

/**
 * README's walkthrough, run as a new user would: its commands in order, in bash, from a folder
 * holding what a clone holds (examples/), against a freshly started service. Any command that
 * fails stops the run, naming the block and the command.
 */
describe("README's walkthrough", () => {
  const blocks = walkthroughBlocks(README);
  let dir: string;
  let database: TestDatabase;
  let service: Spawned;
  let base: string;
  let key: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'jalon-readme-'));
    cpSync(join(ROOT, 'examples'), join(dir, 'examples'), { recursive: true });
    database = await createTestDatabase('postgres');
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    service = spawnEntry('src/main.ts', {
      ...database.env,
      PORT: String(port),
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: `{jr${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}}`,
      // The outbox where README says it is: outbox/ of the folder the commands run in.
      OUTBOX_DIR: join(dir, 'outbox'),
      DATA_DIR: join(dir, 'data'),
    });
    await waitFor(async () => ((await fetch(`${base}/ready`)).status === 200 ? true : undefined), 60_000);
    // The key printed at the first start, as README tells the reader to keep it.
    key = /jln_[A-Za-z0-9]{8}_[A-Za-z0-9]{32,}/.exec(service.output())?.[0] ?? '';
    expect(key, service.output()).not.toBe('');
  }, 90_000);

  afterAll(async () => {
    service?.child.kill('SIGTERM');
    await service?.exited;
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const api = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${key}` } });
    expect(response.status, path).toBe(200);
    return (await response.json()) as T;
  };

  it('is marked in README: the setup, the order, the drafts, the visit, the history', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(9);
    const all = blocks.join('\n');
    for (const step of ['/v1/projects/', '/sites/import', '/send', '/milestones', '/interventions/', '/history']) {
      expect(all).toContain(step);
    }
    // Every command shows its errors, and no date is written out: they would be past one day.
    for (const line of all.split('\n').filter((l) => /\bcurl\b/.test(l))) expect(line).toContain('--fail-with-body');
    expect(all).not.toMatch(/20\d\d-\d\d-\d\d/);
  });

  it('defines a json helper that shows an error answer and fails on a missing field', async () => {
    const run = (input: string, fields: string) =>
      new Promise<{ code: number | null; output: string }>((resolve) => {
        const shell = spawnCommand('bash', ['-c', `${blocks[0]}\nprintf '%s' "$INPUT" | json ${fields}`], {
          INPUT: input,
        });
        void shell.exited.then(({ code }) => resolve({ code, output: shell.output() }));
      });
    expect(await run('{"a": {"b": [1, {"c": "x"}]}}', 'a.b.1.c a.b')).toEqual({
      code: 0,
      output: 'x\n[1,{"c":"x"}]\n',
    });
    expect(await run('{"items": []}', 'items.0.id')).toEqual({ code: 1, output: '' });
    const error = '{"error": {"code": "invalid_input", "message": "line 3.postalCode: five digits"}}';
    expect(await run(error, 'imported')).toEqual({ code: 1, output: `${error}\n` });
  });

  it('runs every command as written, and leaves what it says', async () => {
    const script = [
      'set -euo pipefail',
      `trap 'echo "::: failed in block $BLOCK: $BASH_COMMAND" >&2' ERR`,
      ...blocks.map((block, i) => `BLOCK=${i + 1}; echo "::: block ${i + 1}"\n${block.replaceAll(README_BASE, base)}`),
      'echo "::: done"',
    ].join('\n');
    const run = spawnCommand('bash', ['-c', script], { KEY: key }, { cwd: dir });
    const outcome = await Promise.race([
      run.exited,
      new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 150_000)),
    ]);
    if (outcome === 'timeout') run.child.kill('SIGKILL');
    expect(outcome, run.output()).toEqual({ code: 0, signal: null });
    const output = run.output();
    expect(output).toContain('::: done');
    expect(output).not.toContain('::: failed');

    // The welcome draft, made personal, went out; the mail is where README shows it.
    const welcome = await api<{ items: { id: string; status: string }[] }>(
      `/v1/messages?projectRef=${ORDER}&template=accuse-reception`,
    );
    expect(welcome.items.map((m) => m.status)).toEqual(['sent']);
    const id = welcome.items[0]!.id;
    const mail = readFileSync(join(dir, 'outbox/email', `${id}.eml`), 'latin1').replace(/=\r?\n/g, '');
    expect(mail).toMatch(/Ravi de d(=C3=A9|é)marrer ce projet/);
    expect(output).toContain(`outbox/email/${id}.eml`);

    // The RLE recap waits, moved to the day after tomorrow at 14:00, Paris time.
    const recap = await api<{ items: { id: string; status: string; sendAt: string }[] }>(
      `/v1/messages?projectRef=${ORDER}&template=rle-recap`,
    );
    expect(recap.items.map((m) => m.status)).toEqual(['scheduled']);
    const at = new Date(recap.items[0]!.sendAt);
    const paris = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', hour: '2-digit', minute: '2-digit' });
    expect(paris.format(at)).toBe('14:00');
    expect(at.getTime() - Date.now()).toBeGreaterThan(24 * 3_600_000);
    const history = await api<{ events: { type: string; template?: string }[] }>(
      `/v1/projects/${ORDER}/history?type=message.rescheduled&template=rle-recap&limit=100`,
    );
    expect(history.events.length, JSON.stringify(history.events)).toBeGreaterThanOrEqual(2);

    // The visit is booked at the imported site, with its notice and its SMS reminder ahead.
    const visit = await api<{ siteRef: string; status: string; reminders: { template: string; status?: string }[] }>(
      `/v1/projects/${ORDER}/interventions/visit-1`,
    );
    expect(visit).toMatchObject({ siteRef: 'SU1020004', status: 'booked' });
    expect(visit.reminders.map((r) => [r.template, r.status])).toEqual([
      ['avis-intervention', 'scheduled'],
      ['rappel-intervention', 'scheduled'],
    ]);
    // The reference sections' examples leave nothing pending: the closure draft and visit-2 cancelled.
    const closure = await api<{ items: { status: string }[] }>(`/v1/messages?projectRef=${ORDER}&template=cloture`);
    expect(closure.items.map((m) => m.status)).toEqual(['cancelled']);
    expect(await api(`/v1/projects/${ORDER}/interventions/visit-2`)).toMatchObject({ status: 'cancelled' });
    // The history block printed the whole story.
    for (const line of ['project.created', 'message.sent accuse-reception', 'intervention.booked']) {
      expect(output).toContain(line);
    }
    expect(existsSync(join(dir, 'outbox/email'))).toBe(true);
  }, 180_000);
});
