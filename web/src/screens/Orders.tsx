import { useState } from 'react';
import { ApiError, get, query } from '../api.js';
import { formatDay } from '../format.js';
import { DEADLINE_STATES } from '../labels.js';
import { Link } from '../router.js';
import type { Page, ProjectView } from '../types.js';
import { Alert, Badge, Failure, Loading, useLoad, useTitle } from '../ui.js';
import { OpenOrder } from './Home.js';

/** Orders: the list API's search and filters. */
export function Orders() {
  useTitle('Commandes');
  const [q, setQ] = useState('');
  const [state, setState] = useState('open');
  const [late, setLate] = useState(false);
  const list = useLoad(
    () =>
      get<Page<ProjectView>>(
        `/v1/projects${query({ q: q.trim(), state, deadline: late ? 'late' : undefined, limit: 100 })}`,
      ),
    [q, state, late],
  );
  const unavailable = list.error instanceof ApiError && list.error.status === 404;
  return (
    <>
      <h1>Commandes</h1>
      <OpenOrder />
      <div className="filters" role="search" aria-label="Chercher une commande">
        <label>
          Recherche
          <input
            type="search"
            value={q}
            onChange={(e) => setQ(e.target.value)}
            placeholder="N° de commande, client, ville…"
          />
        </label>
        <label>
          État
          <select value={state} onChange={(e) => setState(e.target.value)}>
            <option value="open">En cours</option>
            <option value="closed">Terminées</option>
          </select>
        </label>
        <label className="check">
          <input type="checkbox" checked={late} onChange={(e) => setLate(e.target.checked)} /> En retard seulement
        </label>
      </div>
      {unavailable ? (
        <Alert kind="info">La liste n’est pas disponible ; ouvrez une commande par sa référence.</Alert>
      ) : list.error ? (
        <Failure error={list.error} />
      ) : null}
      {list.loading ? <Loading /> : null}
      {list.data ? (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Commande</th>
                <th scope="col">Client</th>
                <th scope="col">Libellé</th>
                <th scope="col">RAC</th>
                <th scope="col">Reçue le</th>
                <th scope="col">RLE</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((p) => (
                <tr key={p.ref}>
                  <td>
                    <Link to={`/app/projects/${encodeURIComponent(p.ref)}`}>{p.orderNumber}</Link>
                  </td>
                  <td>{p.client.company}</td>
                  <td>{p.label}</td>
                  <td>
                    {p.rac.firstName} {p.rac.lastName}
                  </td>
                  <td>{formatDay(p.receivedAt)}</td>
                  <td>
                    {p.deadlines ? (
                      <Badge
                        tone={
                          p.deadlines.rle.state === 'late'
                            ? 'late'
                            : p.deadlines.rle.state === 'on_time'
                              ? 'ok'
                              : 'pending'
                        }
                      >
                        {DEADLINE_STATES[p.deadlines.rle.state]}
                      </Badge>
                    ) : (
                      '—'
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </>
  );
}
