import { type FormEvent, useState } from 'react';
import { get, query } from '../api.js';
import {
  addDays,
  formatDateTime,
  formatDay,
  formatLongDate,
  formatLongDay,
  formatTime,
  parisToday,
} from '../format.js';
import { DEADLINE_NAMES, KIND_NAMES, statusName, templateName } from '../labels.js';
import { Link, navigate } from '../router.js';
import { can, useMe } from '../session.js';
import type { Agenda, MessageList, MessageSummary, ProjectList } from '../types.js';
import { Badge, Failure, Loading, useLoad, useTitle } from '../ui.js';

/** Opens an order by its reference: what an order tool's link does, typed by hand. */
export function OpenOrder() {
  const [ref, setRef] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (ref.trim()) navigate(`/app/projects/${encodeURIComponent(ref.trim())}`);
  };
  return (
    <form className="inline" onSubmit={submit} role="search" aria-label="Ouvrir une commande">
      <label htmlFor="open-ref">Référence de commande</label>
      <input id="open-ref" value={ref} onChange={(e) => setRef(e.target.value)} placeholder="CMD-2026-000102" />
      <button type="submit">Ouvrir</button>
    </form>
  );
}

/** Drafts grouped by order, the order whose next draft goes soonest first. */
export function byOrder(messages: readonly MessageSummary[]): [string, MessageSummary[]][] {
  const groups = new Map<string, MessageSummary[]>();
  for (const m of messages) groups.set(m.projectRef, [...(groups.get(m.projectRef) ?? []), m]);
  for (const list of groups.values()) list.sort((a, b) => a.sendAt.localeCompare(b.sendAt));
  return [...groups.entries()].sort((a, b) => a[1][0]!.sendAt.localeCompare(b[1][0]!.sendAt));
}

const more = (list: { nextCursor: string | null; items: unknown[] }) =>
  `${list.items.length}${list.nextCursor ? '+' : ''}`;

/** « À traiter »: drafts to review by order, problems with what to do, the week's visits, late deadlines. */
export function Home() {
  const me = useMe();
  useTitle('À traiter');
  const rac = me.role === 'rac' ? 'me' : undefined;
  const drafts = useLoad(
    () => get<MessageList>(`/v1/messages${query({ status: 'draft', rac, sort: 'sendAt', limit: 200 })}`),
    [rac],
  );
  const problems = useLoad(() => get<MessageList>(`/v1/messages${query({ problem: 'true', rac, limit: 50 })}`), [rac]);
  // The week ahead, today first (as the planner): what happened earlier in the week is done.
  const today = parisToday();
  const visits = useLoad(
    () =>
      get<Agenda>(
        `/v1/interventions${query({ rac, from: today, to: addDays(today, 6), status: 'booked', limit: 100 })}`,
      ),
    [rac, today],
  );
  const late = useLoad(
    () => get<ProjectList>(`/v1/projects${query({ rac, deadline: 'late', sort: 'deadline', limit: 50 })}`),
    [rac],
  );
  return (
    <>
      <h1>À traiter</h1>
      <OpenOrder />
      <section aria-labelledby="drafts-title">
        <h2 id="drafts-title">Brouillons à relire{drafts.data ? ` (${more(drafts.data)})` : ''}</h2>
        {drafts.error ? <Failure error={drafts.error} /> : null}
        {!drafts.data && !drafts.error ? <Loading /> : null}
        {drafts.data && drafts.data.items.length === 0 ? <p className="muted">Aucun brouillon en attente.</p> : null}
        {drafts.data
          ? byOrder(drafts.data.items).map(([ref, items]) => (
              <div key={ref} className="card" data-testid="draft-group">
                <h3>
                  <Link to={`/app/projects/${encodeURIComponent(ref)}`}>{items[0]!.orderNumber}</Link>
                </h3>
                <ul className="plain">
                  {items.slice(0, 5).map((m) => (
                    <li key={m.id}>
                      <Link to={`/app/messages/${m.id}`}>{templateName(m.template)}</Link>
                      <span className="muted">
                        {m.subject ? ` · ${m.subject}` : ''} · prévu {formatDateTime(m.sendAt)}
                      </span>
                    </li>
                  ))}
                  {items.length > 5 ? <li className="muted">et {items.length - 5} autres</li> : null}
                </ul>
                {can.send(me) && items.length > 1 ? (
                  <Link className="button secondary" to={`/app/review${query({ projectRef: ref })}`}>
                    Relire les {items.length} à la suite
                  </Link>
                ) : null}
              </div>
            ))
          : null}
      </section>
      <section aria-labelledby="problems-title">
        <h2 id="problems-title">Problèmes{problems.data ? ` (${more(problems.data)})` : ''}</h2>
        {problems.error ? <Failure error={problems.error} /> : null}
        {problems.data && problems.data.items.length === 0 ? <p className="muted">Aucun envoi en échec.</p> : null}
        {problems.data ? (
          <ul className="plain">
            {problems.data.items.map((m) => (
              <li key={m.id}>
                <Badge tone="problem">{statusName(m.status)}</Badge>{' '}
                <Link to={`/app/messages/${m.id}`}>
                  {templateName(m.template)} · {m.orderNumber}
                </Link>
                {m.problem?.reason ? <span className="muted"> · {m.problem.reason}</span> : null}
                <br />
                <span className="small">
                  {m.status === 'bounced'
                    ? 'L’adresse ne reçoit pas de courrier : corrigez-la, puis préparez le message à nouveau. '
                    : 'Vérifiez le destinataire, puis préparez le message à nouveau. '}
                </span>
                {can.send(me) ? (
                  <Link
                    className="small"
                    to={`/app/projects/${encodeURIComponent(m.projectRef)}${query({ fix: m.id })}`}
                  >
                    Corriger le contact
                  </Link>
                ) : null}
              </li>
            ))}
          </ul>
        ) : null}
      </section>
      <section aria-labelledby="visits-title">
        <h2 id="visits-title">Cette semaine{visits.data ? ` (${more(visits.data)})` : ''}</h2>
        <p className="muted small">
          Visites {rac ? 'de vos commandes ' : ''}du {formatLongDate(today)} au {formatLongDate(addDays(today, 6))}
        </p>
        {visits.error ? <Failure error={visits.error} /> : null}
        {visits.data && visits.data.items.length === 0 ? (
          <p className="muted">Aucune visite planifiée d’ici une semaine.</p>
        ) : null}
        {visits.data && visits.data.items.length > 0 ? (
          <ul className="plain" data-testid="week-visits">
            {visits.data.items.map((v) => (
              <li key={`${v.projectRef}/${v.id}`}>
                <strong>
                  {formatLongDay(v.windowStart)}, {formatTime(v.windowStart)}–{formatTime(v.windowEnd)}
                </strong>{' '}
                · <Link to={`/app/projects/${encodeURIComponent(v.projectRef)}`}>{v.orderNumber}</Link>
                <span className="muted">
                  {' '}
                  · {KIND_NAMES[v.kind]} · {v.site ? `${v.site.name}, ${v.site.city}` : v.siteRef}
                  {v.contact ? ` · ${v.contact.name}` : ''}
                </span>
              </li>
            ))}
          </ul>
        ) : null}
        <p>
          <Link to="/app/planner">Tout le planning</Link>
        </p>
      </section>
      <section aria-labelledby="late-title">
        <h2 id="late-title">Échéances en retard{late.data ? ` (${more(late.data)})` : ''}</h2>
        {late.error ? <Failure error={late.error} /> : null}
        {late.data && late.data.items.length === 0 ? <p className="muted">Aucune échéance en retard.</p> : null}
        {late.data ? (
          <ul className="plain">
            {late.data.items.map((p) => (
              <li key={p.ref}>
                <Link to={`/app/projects/${encodeURIComponent(p.ref)}`}>{p.orderNumber}</Link> · {p.client.company} ·{' '}
                {(['clientContact', 'rlp', 'rle'] as const)
                  .filter((code) => p.deadlines[code].state === 'late')
                  .map((code) => `${DEADLINE_NAMES[code]} (avant le ${formatDay(p.deadlines[code].due)})`)
                  .join(', ')}
              </li>
            ))}
          </ul>
        ) : null}
      </section>
    </>
  );
}
