import { type FormEvent, useState } from 'react';
import { explain, get, query } from '../api.js';
import { addDays, formatLongDate, formatTime, parisParts, parisToday } from '../format.js';
import { KIND_NAMES } from '../labels.js';
import { Link } from '../router.js';
import { can, useMe } from '../session.js';
import type { Agenda, AgendaItem, ProjectView } from '../types.js';
import { Alert, Badge, Dialog, Failure, Loading, useLoad, useTitle } from '../ui.js';
import { cancelVisit, Reminders, VisitForm } from '../components/Visits.js';

const DAYS = 7;
// A week of a national admin can hold thousands of visits: the agenda reads this many at most.
const MAX_PAGES = 10;

/** Every visit of the days, page after page (up to MAX_PAGES): the agenda shows them all at once. */
async function loadAgenda(from: string, to: string): Promise<{ items: AgendaItem[]; truncated: boolean }> {
  const items: AgendaItem[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const answer: Agenda = await get<Agenda>(`/v1/interventions${query({ from, to, limit: 200, cursor })}`);
    items.push(...answer.items);
    cursor = answer.nextCursor;
    if (!cursor) return { items, truncated: false };
  }
  return { items, truncated: true };
}

const loadProject = (ref: string) => get<ProjectView>(`/v1/projects/${encodeURIComponent(ref)}`);

/** The order's form to book a visit: its reference first, then the visit. */
function BookVisit({ day, onDone }: { day: string; onDone: () => void }) {
  const [ref, setRef] = useState('');
  const [project, setProject] = useState<ProjectView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const open = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      setProject(await loadProject(ref.trim()));
    } catch (failure) {
      setError(explain(failure));
    }
  };
  if (project)
    return (
      <>
        <p>
          {project.orderNumber} · {project.client.company}
        </p>
        <VisitForm project={project} day={day} onDone={onDone} />
      </>
    );
  return (
    <form className="inline" onSubmit={(e) => void open(e)}>
      <label htmlFor="book-order">Commande</label>
      <input
        id="book-order"
        required
        value={ref}
        onChange={(e) => setRef(e.target.value)}
        placeholder="CMD-2026-000102"
      />
      <button type="submit">Continuer</button>
      {error ? <Alert>{error}</Alert> : null}
    </form>
  );
}

function MoveVisit({ visit, onDone }: { visit: AgendaItem; onDone: () => void }) {
  const project = useLoad(() => loadProject(visit.projectRef), [visit.projectRef]);
  if (project.error) return <Failure error={project.error} />;
  if (!project.data) return <Loading />;
  return <VisitForm project={project.data} visit={visit} onDone={onDone} />;
}

function Visit({
  visit,
  onMove,
  onCancel,
}: {
  visit: AgendaItem;
  onMove: (visit: AgendaItem) => void;
  onCancel: (visit: AgendaItem) => void;
}) {
  const me = useMe();
  const cancelled = visit.status === 'cancelled';
  return (
    <li className={`card visit${cancelled ? ' cancelled' : ''}`} data-testid="agenda-visit">
      <p className="visit-head">
        <strong>
          {formatTime(visit.windowStart)}–{formatTime(visit.windowEnd)}
        </strong>{' '}
        <Badge tone="neutral">{KIND_NAMES[visit.kind]}</Badge>{' '}
        {cancelled ? <Badge tone="late">Annulée</Badge> : <Badge tone="ok">Planifiée</Badge>}
      </p>
      <dl className="facts">
        <dt>Commande</dt>
        <dd>
          <Link to={`/app/projects/${encodeURIComponent(visit.projectRef)}`}>{visit.orderNumber}</Link> ·{' '}
          {visit.client.company}
        </dd>
        <dt>Site</dt>
        <dd>{visit.site ? `${visit.site.name}, ${visit.site.city}` : visit.siteRef}</dd>
        <dt>Contact</dt>
        <dd>{visit.contact?.name ?? '—'}</dd>
        <dt>Technicien, remarques</dt>
        <dd>{visit.notes ?? <span className="muted">—</span>}</dd>
        <dt>RAC</dt>
        <dd>{visit.rac.displayName}</dd>
        <dt>Messages</dt>
        <dd>
          <Reminders visit={visit} />
        </dd>
      </dl>
      {can.plan(me) && !cancelled ? (
        <div className="actions">
          <button type="button" className="secondary" onClick={() => onMove(visit)}>
            Déplacer
          </button>
          <button type="button" className="danger" onClick={() => onCancel(visit)}>
            Annuler la visite
          </button>
        </div>
      ) : null}
    </li>
  );
}

/** The agency's visits (a RAC's own), day by day from today, a week at a time; book, move, cancel. */
export function Planner() {
  const me = useMe();
  useTitle('Planning');
  const today = parisToday();
  const [from, setFrom] = useState(today);
  const to = addDays(from, DAYS - 1);
  const agenda = useLoad(() => loadAgenda(from, to), [from]);
  const [booking, setBooking] = useState<string | null>(null);
  const [moving, setMoving] = useState<AgendaItem | null>(null);
  const [error, setError] = useState<string | null>(null);
  const cancel = async (visit: AgendaItem) => {
    setError(null);
    try {
      await cancelVisit(visit);
      agenda.reload();
    } catch (failure) {
      setError(explain(failure));
    }
  };
  const days = Array.from({ length: DAYS }, (_, i) => addDays(from, i));
  const byDay = new Map<string, AgendaItem[]>();
  for (const visit of agenda.data?.items ?? []) {
    const day = parisParts(visit.windowStart).date;
    byDay.set(day, [...(byDay.get(day) ?? []), visit]);
  }
  const scope =
    me.role === 'rac' ? 'vos commandes' : me.agency === '*' ? 'toutes les agences' : `l’agence ${me.agency}`;
  return (
    <>
      <h1>Planning des interventions</h1>
      <p className="muted">
        Les visites de {scope}, du {formatLongDate(from)} au {formatLongDate(to)}.
      </p>
      <nav className="inline week-nav" aria-label="Semaines">
        <button type="button" className="secondary" onClick={() => setFrom(addDays(from, -DAYS))}>
          Semaine précédente
        </button>
        <button type="button" className="secondary" onClick={() => setFrom(today)} disabled={from === today}>
          Aujourd’hui
        </button>
        <button type="button" className="secondary" onClick={() => setFrom(addDays(from, DAYS))}>
          Semaine suivante
        </button>
      </nav>
      {error ? <Alert>{error}</Alert> : null}
      {agenda.error ? <Failure error={agenda.error} /> : null}
      {!agenda.data && !agenda.error ? <Loading /> : null}
      {agenda.data?.truncated ? (
        <Alert kind="warning">Trop de visites pour une semaine : seules les premières sont affichées.</Alert>
      ) : null}
      {agenda.data
        ? days.map((day) => {
            const visits = byDay.get(day) ?? [];
            return (
              <section key={day} aria-labelledby={`day-${day}`} data-testid="agenda-day">
                <h2 id={`day-${day}`}>
                  {formatLongDate(day)}
                  {day === today ? (
                    <>
                      {' '}
                      <Badge tone="pending">aujourd’hui</Badge>
                    </>
                  ) : null}
                </h2>
                {visits.length === 0 ? <p className="muted">Aucune visite.</p> : null}
                {visits.length > 0 ? (
                  <ul className="plain agenda">
                    {visits.map((visit) => (
                      <Visit
                        key={`${visit.projectRef}/${visit.id}`}
                        visit={visit}
                        onMove={setMoving}
                        onCancel={(v) => void cancel(v)}
                      />
                    ))}
                  </ul>
                ) : null}
                {can.plan(me) && day >= today ? (
                  <button type="button" className="ghost" onClick={() => setBooking(day)}>
                    Planifier une visite ce jour
                  </button>
                ) : null}
              </section>
            );
          })
        : null}
      <Dialog title="Planifier une visite" open={booking !== null} onClose={() => setBooking(null)}>
        {booking ? (
          <BookVisit
            day={booking}
            onDone={() => {
              setBooking(null);
              agenda.reload();
            }}
          />
        ) : null}
      </Dialog>
      <Dialog title="Déplacer la visite" open={moving !== null} onClose={() => setMoving(null)}>
        {moving ? (
          <MoveVisit
            visit={moving}
            onDone={() => {
              setMoving(null);
              agenda.reload();
            }}
          />
        ) : null}
      </Dialog>
    </>
  );
}
