import { type FormEvent, useState } from 'react';
import { ApiError, del, explain, put } from '../api.js';
import { formatDateTime, formatLongDay, formatTime, parisInstant, parisParts, parisToday } from '../format.js';
import { KIND_NAMES, statusName, templateName } from '../labels.js';
import { can, useMe } from '../session.js';
import type { Intervention, ProjectView } from '../types.js';
import { Alert, Badge, Dialog, Failure, Loading } from '../ui.js';

interface Draft {
  siteRef: string;
  kind: 'access' | 'service';
  day: string;
  start: string;
  end: string;
  notes: string;
}

const tomorrowPlus = (days: number) => {
  const date = new Date(Date.now() + days * 86_400_000);
  return parisToday(date);
};

/** Cancels a visit: its pending messages are cancelled, a client already told gets a cancellation. */
export const cancelVisit = (visit: Pick<Intervention, 'projectRef' | 'id'>) =>
  del(`/v1/projects/${encodeURIComponent(visit.projectRef)}/interventions/${encodeURIComponent(visit.id)}`);

/**
 * Book (no visit given) or move a visit: site, kind, day and the 4-hour arrival window in Paris
 * time, and the internal notes (the technician, access codes), which no client message shows.
 */
export function VisitForm({
  project,
  visit,
  day,
  onDone,
}: {
  project: ProjectView;
  visit?: Intervention;
  /** The day a new visit starts on (YYYY-MM-DD); a week from today when absent. */
  day?: string;
  onDone: () => void;
}) {
  const [draft, setDraft] = useState<Draft>(() =>
    visit
      ? {
          siteRef: visit.siteRef,
          kind: visit.kind,
          day: parisParts(visit.windowStart).date,
          start: parisParts(visit.windowStart).time,
          end: parisParts(visit.windowEnd).time,
          notes: visit.notes ?? '',
        }
      : {
          siteRef: project.sites[0]?.ref ?? '',
          kind: 'access',
          day: day ?? tomorrowPlus(7),
          start: '08:00',
          end: '12:00',
          notes: '',
        },
  );
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (change: Partial<Draft>) => setDraft((d) => ({ ...d, ...change }));
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const id = visit?.id ?? `v-${Date.now().toString(36)}`;
    try {
      await put(`/v1/projects/${encodeURIComponent(project.ref)}/interventions/${encodeURIComponent(id)}`, {
        siteRef: draft.siteRef,
        kind: draft.kind,
        windowStart: parisInstant(draft.day, draft.start),
        windowEnd: parisInstant(draft.day, draft.end),
        // Sent on every move too: a visit written without its notes would lose them.
        ...(draft.notes.trim() ? { notes: draft.notes.trim() } : {}),
      });
      onDone();
    } catch (failure) {
      setError(explain(failure));
    } finally {
      setBusy(false);
    }
  };
  const prefix = visit ? `move-${visit.id}` : 'book';
  return (
    <form className="grid-form" onSubmit={(e) => void submit(e)}>
      <label htmlFor={`${prefix}-site`}>Site</label>
      <select
        id={`${prefix}-site`}
        value={draft.siteRef}
        onChange={(e) => set({ siteRef: e.target.value })}
        disabled={Boolean(visit)}
      >
        {project.sites.map((s) => (
          <option key={s.ref} value={s.ref}>
            {s.ref} · {s.name} ({s.city})
          </option>
        ))}
      </select>
      <label htmlFor={`${prefix}-kind`}>Type</label>
      <select id={`${prefix}-kind`} value={draft.kind} onChange={(e) => set({ kind: e.target.value as Draft['kind'] })}>
        <option value="access">Accès</option>
        <option value="service">Service</option>
      </select>
      <label htmlFor={`${prefix}-day`}>Jour</label>
      <input
        id={`${prefix}-day`}
        type="date"
        required
        value={draft.day}
        onChange={(e) => set({ day: e.target.value })}
      />
      <label htmlFor={`${prefix}-start`}>Arrivée entre</label>
      <input
        id={`${prefix}-start`}
        type="time"
        required
        value={draft.start}
        onChange={(e) => set({ start: e.target.value })}
      />
      <label htmlFor={`${prefix}-end`}>et</label>
      <input
        id={`${prefix}-end`}
        type="time"
        required
        value={draft.end}
        onChange={(e) => set({ end: e.target.value })}
      />
      <label htmlFor={`${prefix}-notes`}>Technicien, remarques (interne)</label>
      <textarea
        id={`${prefix}-notes`}
        rows={2}
        maxLength={1000}
        value={draft.notes}
        onChange={(e) => set({ notes: e.target.value })}
      />
      <div className="form-actions">
        <button type="submit" disabled={busy}>
          {visit ? 'Déplacer la visite' : 'Planifier la visite'}
        </button>
      </div>
      {error ? <Alert>{error}</Alert> : null}
    </form>
  );
}

export function Reminders({ visit }: { visit: Intervention }) {
  if (visit.reminders.length === 0) return <span className="muted">aucun message</span>;
  return (
    <ul className="plain" aria-label="Messages de la visite">
      {visit.reminders.map((r, i) => (
        <li key={r.messageId ?? `${r.template}-${i}`} data-testid="reminder">
          {templateName(r.template)} :{' '}
          {r.skipped
            ? `non prévu (${r.message ?? r.skipped})`
            : `${statusName(r.status)}${r.sendAt ? `, ${formatDateTime(r.sendAt)}` : ''}`}
        </li>
      ))}
    </ul>
  );
}

export function Visits({
  project,
  state,
  onChange,
}: {
  project: ProjectView;
  state: { data?: { items: Intervention[] }; error?: unknown };
  onChange: () => void;
}) {
  const me = useMe();
  const [booking, setBooking] = useState(false);
  const [moving, setMoving] = useState<Intervention | null>(null);
  const [error, setError] = useState<string | null>(null);
  const sites = new Map(project.sites.map((s) => [s.ref, s]));
  const cancel = async (visit: Intervention) => {
    setError(null);
    try {
      await cancelVisit(visit);
      onChange();
    } catch (failure) {
      setError(explain(failure));
    }
  };
  const unavailable = state.error instanceof ApiError && state.error.status === 404;
  const visits = (state.data?.items ?? []).filter((v) => v.status !== 'cancelled');
  return (
    <section aria-labelledby="visits-title">
      <h2 id="visits-title">Interventions</h2>
      {can.plan(me) ? (
        <p>
          <button type="button" onClick={() => setBooking(true)}>
            Planifier une visite
          </button>
        </p>
      ) : null}
      {error ? <Alert>{error}</Alert> : null}
      {state.error && !unavailable ? <Failure error={state.error} /> : null}
      {!state.data && !state.error ? <Loading /> : null}
      {state.data && visits.length === 0 ? <p className="muted">Aucune visite planifiée.</p> : null}
      {visits.length > 0 ? (
        <div className="table-wrap">
          <table data-testid="visits">
            <thead>
              <tr>
                <th scope="col">Quand</th>
                <th scope="col">Site</th>
                <th scope="col">Type</th>
                <th scope="col">Messages au client</th>
                {can.plan(me) ? <th scope="col">Actions</th> : null}
              </tr>
            </thead>
            <tbody>
              {visits.map((v) => (
                <tr key={v.id}>
                  <td>
                    {formatLongDay(v.windowStart)}, {formatTime(v.windowStart)}–{formatTime(v.windowEnd)}
                  </td>
                  <td>
                    {v.siteRef} · {sites.get(v.siteRef)?.name ?? ''}
                  </td>
                  <td>
                    <Badge tone="neutral">{KIND_NAMES[v.kind]}</Badge>
                  </td>
                  <td>
                    <Reminders visit={v} />
                  </td>
                  {can.plan(me) ? (
                    <td className="actions">
                      <button type="button" className="secondary" onClick={() => setMoving(v)}>
                        Déplacer
                      </button>
                      <button type="button" className="danger" onClick={() => void cancel(v)}>
                        Annuler la visite
                      </button>
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <Dialog title="Planifier une visite" open={booking} onClose={() => setBooking(false)}>
        <VisitForm
          project={project}
          onDone={() => {
            setBooking(false);
            onChange();
          }}
        />
      </Dialog>
      <Dialog title="Déplacer la visite" open={moving !== null} onClose={() => setMoving(null)}>
        {moving ? (
          <VisitForm
            project={project}
            visit={moving}
            onDone={() => {
              setMoving(null);
              onChange();
            }}
          />
        ) : null}
      </Dialog>
    </section>
  );
}
