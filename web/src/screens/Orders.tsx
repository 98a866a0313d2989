import { useEffect, useState } from 'react';
import { explain, get, query } from '../api.js';
import { formatDay } from '../format.js';
import { DEADLINE_NAMES, DEADLINE_STATES } from '../labels.js';
import { Link } from '../router.js';
import type { ProjectList, ProjectSummary } from '../types.js';
import { Alert, Badge, Loading, useTitle } from '../ui.js';
import { OpenOrder } from './Home.js';

const TONE = { on_time: 'ok', late: 'late', pending: 'pending' } as const;

/** Orders: the list API's search and filters, page by page. */
export function Orders() {
  useTitle('Commandes');
  const [q, setQ] = useState('');
  const [state, setState] = useState('open');
  const [late, setLate] = useState(false);
  const [sort, setSort] = useState('-updated');
  const [items, setItems] = useState<ProjectSummary[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = async (cursor: string | null) => {
    setError(null);
    try {
      const page = await get<ProjectList>(
        `/v1/projects${query({ q: q.trim() || undefined, state, deadline: late ? 'late' : undefined, sort, cursor, limit: 50 })}`,
      );
      setItems((current) => (cursor && current ? [...current, ...page.items] : page.items));
      setNext(page.nextCursor);
    } catch (failure) {
      setError(explain(failure));
    }
  };
  useEffect(() => {
    const timer = setTimeout(() => void load(null), 150);
    return () => clearTimeout(timer);
    // `load` reads exactly these filters.
  }, [q, state, late, sort]);

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
        <label>
          Tri
          <select value={sort} onChange={(e) => setSort(e.target.value)}>
            <option value="-updated">Dernière mise à jour</option>
            <option value="deadline">Échéance la plus proche</option>
            <option value="-received">Reçues récemment</option>
            <option value="orderNumber">N° de commande</option>
          </select>
        </label>
        <label className="check">
          <input type="checkbox" checked={late} onChange={(e) => setLate(e.target.checked)} /> En retard seulement
        </label>
      </div>
      {error ? <Alert>{error}</Alert> : null}
      {!items && !error ? <Loading /> : null}
      {items ? (
        <div className="table-wrap">
          <table data-testid="orders">
            <thead>
              <tr>
                <th scope="col">Commande</th>
                <th scope="col">Client</th>
                <th scope="col">Libellé</th>
                <th scope="col">RAC</th>
                <th scope="col">Sites</th>
                <th scope="col">Reçue le</th>
                <th scope="col">Échéances</th>
              </tr>
            </thead>
            <tbody>
              {items.map((p) => (
                <tr key={p.ref}>
                  <td>
                    <Link to={`/app/projects/${encodeURIComponent(p.ref)}`}>{p.orderNumber}</Link>
                  </td>
                  <td>{p.client.company}</td>
                  <td>{p.label}</td>
                  <td>{p.rac.displayName}</td>
                  <td>{p.siteCount}</td>
                  <td>{formatDay(p.receivedAt)}</td>
                  <td>
                    {(['clientContact', 'rlp', 'rle'] as const).map((code) => (
                      <Badge key={code} tone={TONE[p.deadlines[code].state]}>
                        {DEADLINE_NAMES[code]} : {DEADLINE_STATES[p.deadlines[code].state]}
                      </Badge>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {items.length === 0 ? <p className="muted">Aucune commande ne correspond.</p> : null}
        </div>
      ) : null}
      {next ? (
        <p>
          <button type="button" className="secondary" onClick={() => void load(next)}>
            Voir plus de commandes
          </button>
        </p>
      ) : null}
    </>
  );
}
