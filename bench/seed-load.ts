// `npm run seed:load [-- --reset] [--projects N]`: fills DATABASE_URL with a national-scale data
// set for `npm run bench -- stats` and `-- lists`: 13 agencies, 400 RACs, two years of orders, their
// visits, and about one million messages with their history. Rows are generated inside PostgreSQL (generate_series,
// one statement per chunk), which is what makes millions of rows take minutes, not hours. The
// history holds what reports and timelines read; the worker's "message.sending" steps are left out.
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { openDatabase } from '../src/db/client.js';
import { MARKS_BACKFILL } from '../src/projects/deadline-sql.js';
import { rebuildAggregates } from '../src/stats/rebuild.js';

const AGENCIES = [
  'IDF1',
  'IDF2',
  'NORD',
  'EST',
  'RHAL',
  'AERM',
  'SUDO',
  'OUES',
  'BRET',
  'CENT',
  'NORM',
  'PACA',
  'AUVE',
];
const RACS = 400;
const DAYS = 730;
const CHUNK = 25_000;
// Per order: welcome mail, RLE recap, intervention notice, three SMS reminders, closure, survey reminder.
const TEMPLATES = [
  'accuse-reception',
  'rle-recap',
  'avis-intervention',
  'rappel-intervention',
  'rappel-intervention',
  'rappel-intervention',
  'cloture',
  'relance-bilan',
];
const OFFSET_DAYS = [1, 10, 18, 20, 22, 24, 40, 55];
// The days (after receipt) of an order's two visits; the notice and the reminders name them.
const VISIT_DAYS = [21, 25] as const;

const args = process.argv.slice(2);
const url = process.env.DATABASE_URL;
if (!url) {
  process.stderr.write('seed:load writes a large data set: set DATABASE_URL to a throwaway PostgreSQL database.\n');
  process.exit(1);
}
const projectsArg = args.indexOf('--projects');
const PROJECTS = projectsArg >= 0 ? Number(args[projectsArg + 1]) : 130_000;

const arr = (values: readonly (string | number)[]) =>
  `array[${values.map((v) => (typeof v === 'number' ? v : `'${v}'`)).join(',')}]`;

// One row per order of the chunk, with its RAC, agency and receipt date spread over two years.
const ORDERS = `select g as n, 'LOAD-' || lpad(g::text, 7, '0') as ref, 'rac-' || lpad(((g * 7919) % ${RACS})::text, 3, '0') as rac,
    (${arr(AGENCIES)})[((g * 7919) % ${RACS}) % ${AGENCIES.length} + 1] as agency,
    current_date - ${DAYS} + (g::bigint * ${DAYS} / ${PROJECTS})::int as received
  from generate_series($1::int, $2::int) g`;

// search_text as src/projects/search-text.ts folds it: numbers, client, label and the site's city.
const PROJECT_ROWS = `insert into projects (ref, order_number, tracking_number, label, agency, received_at, rac_id,
    rac_first_name, rac_last_name, rac_email, rac_phone, client_company, offers, content_hash, search_text, created_at, updated_at)
  select ref, ref, 'SUIVI-' || n, 'Déploiement client ' || n, agency, received, rac, 'Prénom', 'Nom ' || rac,
    rac || '@operateur.example', '+33639980104', 'Client ' || n || ' SAS',
    '[{"code":"BVPN","label":"Business VPN"}]'::jsonb, 'seed',
    lower(ref || ' | suivi-' || n || ' | client ' || n || ' sas | deploiement client ' || n || ' | paris'),
    received + time '09:00', received + time '09:00'
  from (${ORDERS}) o`;

const CONTACT_ROWS = `insert into contacts (project_ref, id, position, civility, first_name, last_name, email, mobile, role)
  select ref, 'ct-' || k, k - 1, 'Mme', 'Prénom' || n, 'Nom' || n, 'contact' || k || '.' || n || '@client.example',
    '+3363' || lpad(((n * 7 + k) % 10000000)::text, 7, '0'), case k when 1 then 'main' else 'site' end
  from (${ORDERS}) o cross join generate_series(1, 2) k`;

const SITE_ROWS = `insert into sites (project_ref, ref, position, name, address, postal_code, city, role, contact_id)
  select ref, 'SU' || n, 0, 'Site principal', n || ' rue de la Gare', '75011', 'Paris', 'main', 'ct-2' from (${ORDERS}) o`;

// Two visits per order, access then service, 8:00–12:00 Paris on the days of their notice and
// first reminder; one in twenty is cancelled. Their messages are the notice and reminders below.
const INTERVENTION_ROWS = `insert into interventions (project_ref, id, site_ref, kind, window_start, window_end, contact_id,
    status, cancelled_at, created_at, updated_at)
  select ref, 'visit-' || k, 'SU' || n, case k when 1 then 'access' else 'service' end,
    (received + ${VISIT_DAYS[0]} + (k - 1) * ${VISIT_DAYS[1] - VISIT_DAYS[0]} + time '08:00') at time zone 'Europe/Paris',
    (received + ${VISIT_DAYS[0]} + (k - 1) * ${VISIT_DAYS[1] - VISIT_DAYS[0]} + time '12:00') at time zone 'Europe/Paris',
    'ct-2', case when (n + k) % 20 = 0 then 'cancelled' else 'booked' end,
    case when (n + k) % 20 = 0 then received + time '10:00' end, received + time '09:00', received + time '09:00'
  from (${ORDERS}) o cross join generate_series(1, 2) k`;

// RLP held 2 to 8 days after receipt, RLE 8 to 21 days: some late; recent orders still pending.
const MILESTONE_ROWS = `insert into milestones (project_ref, code, planned, actual)
  select ref, code, received + d, case when received + d <= current_date then received + d end
  from (${ORDERS}) o cross join lateral (values ('clientContact', 1), ('rlp', 2 + n % 7), ('rle', 8 + n % 14)) m(code, d)`;

const MESSAGES_AND_EVENTS = `with o as (${ORDERS}),
m as (
  select o.*, s.slot, (${arr(TEMPLATES)})[s.slot + 1] as template,
    case when s.slot between 3 and 5 then 'sms' else 'email' end as channel,
    '00000000-0000-4000-8000-' || lpad(to_hex(o.n::bigint * 8 + s.slot), 12, '0') as id,
    ((o.n::bigint * 8 + s.slot) * 2654435761 % 1000)::int as h,
    (o.received + (${arr(OFFSET_DAYS)})[s.slot + 1] + time '08:00') at time zone 'Europe/Paris'
      + make_interval(hours => (o.n + s.slot) % 10, mins => (o.n * 7 + s.slot * 13) % 60) as created
  from o cross join generate_series(0, 7) s(slot)
),
v as (
  select m.*, created + case when channel = 'sms' then interval '1 day' else interval '40 minutes' end as send_at,
    case when slot between 2 and 5 then 'reminder' when h % 2 = 0 then 'automation' else 'api' end as origin,
    case when h % 3 = 0 then 'order-portal' else 'RAC ' || rac end as actor
  from m where created <= now()
),
st as (
  select v.*, case
      when send_at > now() then case when h < 300 then 'draft' else 'scheduled' end
      when h < 30 then 'cancelled' when h < 45 then 'failed' when h < 55 then 'draft'
      when channel = 'sms' then 'delivered' else 'sent' end as status
  from v
),
t as (
  select st.*, status = 'draft' or h between 55 and 154 as drafted,
    case when status in ('sent', 'delivered') or (status = 'failed' and channel = 'sms') then send_at + interval '5 seconds' end as sent_at
  from st
),
inserted as (
  insert into messages (id, project_ref, template_key, channel, status, "to", cc, reply_to, send_at, subject, html, text,
    sms_body, sms_encoding, sms_segments, attempts, provider_id, created_by, on_behalf_of, agency, rac_id, origin,
    intervention_id, created_at, updated_at, sent_at, delivered_at, failed_at, cancelled_at)
  select id, ref, template, channel, status,
    jsonb_build_array(jsonb_build_object('address', case when channel = 'sms' then '+33639930123' else 'contact1.' || n || '@client.example' end, 'name', 'Prénom' || n || ' Nom' || n, 'contactId', 'ct-1')),
    case when channel = 'email' then jsonb_build_array(jsonb_build_object('address', rac || '@operateur.example')) else '[]'::jsonb end,
    case when channel = 'email' then rac || '@operateur.example' end, send_at,
    case when channel = 'email' then 'Votre commande ' || ref || ' : ' || template end,
    case when channel = 'email' then '<html><body><p>Bonjour Madame Nom' || n || ',</p><p>' || repeat('Votre projet avance comme prévu. ', 8) || '</p></body></html>' end,
    case when channel = 'email' then 'Bonjour Madame Nom' || n || ',' || repeat(' Votre projet avance comme prévu.', 8) end,
    case when channel = 'sms' then 'Operateur : intervention le ' || to_char(send_at, 'DD/MM') || ' entre 8h et 12h au Site principal. RAC 06 39 98 01 04' end,
    case when channel = 'sms' then 'GSM-7' end, case when channel = 'sms' then 1 + h % 2 end,
    case when sent_at is not null then 1 else 0 end, case when sent_at is not null then 'P' || id end,
    actor, case when actor = 'order-portal' then rac end, agency, rac, origin,
    case when slot between 2 and 5 then 'visit-' || case when slot <= 3 then 1 else 2 end end, created, created + interval '1 hour',
    sent_at, case when status = 'delivered' then sent_at + interval '10 seconds' end,
    case when status = 'failed' then coalesce(sent_at + interval '1 minute', send_at + interval '30 minutes') end,
    case when status = 'cancelled' then created + interval '10 minutes' end
  from t
),
events as (
  select ref, 'project.created' as type, received + time '09:00' as at, 'order-portal' as actor, '{"sites":1,"contacts":2}'::jsonb as data from o
  union all
  select ref, e.type, e.at, e.actor,
    jsonb_build_object('messageId', id, 'template', template, 'channel', channel, 'status', e.status) || e.extra
      || case when e.actor = 'order-portal' then jsonb_build_object('onBehalfOf', rac) else '{}'::jsonb end
  from t cross join lateral (values
    (case when drafted then 'message.drafted' else 'message.scheduled' end, created, actor, case when drafted then 'draft' else 'scheduled' end, jsonb_build_object('sendAt', send_at)),
    (case when drafted and status <> 'draft' then 'message.scheduled' end, created + interval '20 minutes', 'RAC ' || rac, 'scheduled', '{"from":"draft"}'::jsonb),
    (case when status = 'cancelled' then 'message.cancelled' end, created + interval '10 minutes', actor, 'cancelled', '{}'::jsonb),
    (case when sent_at is not null then 'message.sent' end, sent_at, 'worker', 'sent', '{"attempt":1}'::jsonb),
    (case when status = 'delivered' then 'message.delivered' end, sent_at + interval '10 seconds', 'twilio', 'delivered', '{}'::jsonb),
    (case when status = 'failed' then case when channel = 'sms' then 'message.undelivered' else 'message.failed' end end,
      coalesce(sent_at + interval '1 minute', send_at + interval '30 minutes'), case when channel = 'sms' then 'twilio' else 'worker' end, 'failed', '{}'::jsonb)
  ) e(type, at, actor, status, extra)
  where e.type is not null
)
insert into history_events (project_ref, type, at, actor, data)
select ref, type, at, actor, data from events order by at`;

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
const say = (line: string) => process.stdout.write(`[${elapsed()}] ${line}\n`);

const database = await openDatabase({ databaseUrl: url, dataDir: './data' });
await database.migrate();
const client = new pg.Client({ connectionString: url });
await client.connect();
try {
  const { rows } = await client.query<{ n: number }>('select count(*)::int as n from projects');
  if ((rows[0]?.n ?? 0) > 0) {
    if (!args.includes('--reset')) {
      process.stderr.write('The database already holds projects; pass --reset to empty it first.\n');
      process.exit(1);
    }
    say('emptying the database');
    await client.query('truncate projects, history_events, usage_daily, project_stats cascade');
  }
  await client.query('set synchronous_commit = off');
  await client.query(`set work_mem = '256MB'`);
  say(
    `seeding ${PROJECTS} orders, ${AGENCIES.length} agencies, ${RACS} RACs over ${DAYS} days into ${new URL(url).pathname.slice(1)}`,
  );
  for (let lo = 1; lo <= PROJECTS; lo += CHUNK) {
    const hi = Math.min(PROJECTS, lo + CHUNK - 1);
    for (const statement of [
      PROJECT_ROWS,
      CONTACT_ROWS,
      SITE_ROWS,
      INTERVENTION_ROWS,
      MILESTONE_ROWS,
      MESSAGES_AND_EVENTS,
    ]) {
      await client.query(statement, [lo, hi]);
    }
    say(`orders ${lo}–${hi} with their contacts, visits, milestones, messages and history`);
  }
  say('deadline marks of the orders, from their milestones');
  await client.query(MARKS_BACKFILL);
  // Planner statistics first: without them the rebuild's per-order subqueries scan whole indexes.
  say('analyze');
  await client.query('analyze');
  say('computing the statistics tables from the history (the incremental path keeps them afterwards)');
  await rebuildAggregates(database.db);
  say('vacuum analyze');
  await client.query('vacuum analyze');
  const counts = await client.query<{ name: string; rows: string; size: string }>(
    `select relname as name, n_live_tup::text as rows, pg_size_pretty(pg_total_relation_size(relid)) as size
     from pg_stat_user_tables where n_live_tup > 0 order by pg_total_relation_size(relid) desc`,
  );
  for (const row of counts.rows) say(`${row.name.padEnd(16)} ${row.rows.padStart(10)} rows  ${row.size}`);
  const total = await database.db.execute(sql`select pg_size_pretty(pg_database_size(current_database())) as size`);
  say(`done: database size ${(total as { rows: { size: string }[] }).rows[0]?.size ?? '?'}`);
} finally {
  await client.end();
  await database.close();
}
