import { type FormEvent, useState } from 'react';
import { ApiError, get, query } from '../api.js';
import { formatDateTime } from '../format.js';
import { statusName, templateName } from '../labels.js';
import { Link, navigate } from '../router.js';
import { can, useMe } from '../session.js';
import type { MessageView, Page } from '../types.js';
import { Alert, Failure, Loading, useLoad, useTitle } from '../ui.js';

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

function byOrder(messages: MessageView[]) {
  const groups = new Map<string, MessageView[]>();
  for (const m of messages) groups.set(m.projectRef, [...(groups.get(m.projectRef) ?? []), m]);
  return [...groups.entries()].sort((a, b) => (a[1][0]!.sendAt < b[1][0]!.sendAt ? -1 : 1));
}

/** « À traiter »: drafts to review by order, soonest first, and the problems to fix. */
export function Home() {
  const me = useMe();
  useTitle('À traiter');
  const scope = me.role === 'rac' ? 'me' : undefined;
  const drafts = useLoad(
    () => get<Page<MessageView>>(`/v1/messages${query({ status: 'draft', rac: scope, limit: 200 })}`),
    [scope],
  );
  const problems = useLoad(
    () => get<Page<MessageView>>(`/v1/messages${query({ problem: true, rac: scope, limit: 50 })}`),
    [scope],
  );
  const unavailable = drafts.error instanceof ApiError && drafts.error.status === 404;
  return (
    <>
      <h1>À traiter</h1>
      <OpenOrder />
      <section aria-labelledby="drafts-title">
        <h2 id="drafts-title">Brouillons à relire{drafts.data ? ` (${drafts.data.items.length})` : ''}</h2>
        {unavailable ? (
          <Alert kind="info">Ouvrez une commande pour voir ses messages.</Alert>
        ) : drafts.error ? (
          <Failure error={drafts.error} />
        ) : null}
        {drafts.loading ? <Loading /> : null}
        {drafts.data && drafts.data.items.length === 0 ? (
          <p className="muted">Aucun brouillon en attente. Bravo.</p>
        ) : null}
        {drafts.data
          ? byOrder(drafts.data.items).map(([ref, items]) => (
              <div key={ref} className="card">
                <h3>
                  <Link to={`/app/projects/${encodeURIComponent(ref)}`}>{ref}</Link>
                </h3>
                <ul className="plain">
                  {items.map((m) => (
                    <li key={m.id}>
                      <Link to={`/app/messages/${m.id}`}>{templateName(m.template)}</Link>
                      <span className="muted">
                        {' '}
                        · pour {m.to.map((r) => r.name ?? r.address).join(', ')} · prévu {formatDateTime(m.sendAt)}
                      </span>
                    </li>
                  ))}
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
        <h2 id="problems-title">Problèmes</h2>
        {problems.data && problems.data.items.length === 0 ? <p className="muted">Aucun envoi en échec.</p> : null}
        {problems.data ? (
          <ul className="plain">
            {problems.data.items.map((m) => (
              <li key={m.id}>
                <Link to={`/app/messages/${m.id}`}>
                  {templateName(m.template)} · {m.projectRef}
                </Link>{' '}
                : {statusName(m.status)}.{' '}
                {m.status === 'bounced'
                  ? 'L’adresse ne fonctionne pas : corrigez-la dans l’outil de commande, puis renvoyez.'
                  : 'Vérifiez le destinataire, puis renvoyez le message.'}
              </li>
            ))}
          </ul>
        ) : null}
      </section>
    </>
  );
}
