import { useState } from 'react';
import { get } from '../api.js';
import { formatLongDay } from '../format.js';
import type { Intervention, ProjectView } from '../types.js';
import { Failure, Loading, useLoad, useTitle } from '../ui.js';
import { Visits } from '../components/Visits.js';

/** The visits of an order, day by day, to book, move or cancel. */
export function Planner() {
  useTitle('Planning');
  const [ref, setRef] = useState('');
  const [open, setOpen] = useState<string | null>(null);
  return (
    <>
      <h1>Planning des interventions</h1>
      <form
        className="inline"
        onSubmit={(e) => {
          e.preventDefault();
          setOpen(ref.trim() || null);
        }}
      >
        <label htmlFor="planner-ref">Commande</label>
        <input id="planner-ref" value={ref} onChange={(e) => setRef(e.target.value)} placeholder="CMD-2026-000102" />
        <button type="submit">Afficher</button>
      </form>
      {open ? <OrderVisits key={open} projectRef={open} /> : null}
    </>
  );
}

function OrderVisits({ projectRef }: { projectRef: string }) {
  const project = useLoad(() => get<ProjectView>(`/v1/projects/${encodeURIComponent(projectRef)}`), [projectRef]);
  const visits = useLoad(
    () => get<{ items: Intervention[] }>(`/v1/projects/${encodeURIComponent(projectRef)}/interventions`),
    [projectRef],
  );
  if (project.error) return <Failure error={project.error} />;
  if (!project.data) return <Loading />;
  const days = new Map<string, number>();
  for (const v of visits.data?.items ?? [])
    if (v.status !== 'cancelled') days.set(v.windowStart.slice(0, 10), (days.get(v.windowStart.slice(0, 10)) ?? 0) + 1);
  return (
    <>
      <h2>
        {project.data.orderNumber} · {project.data.client.company}
      </h2>
      {days.size > 0 ? (
        <ul className="plain">
          {[...days.entries()].sort().map(([day, count]) => (
            <li key={day}>
              {formatLongDay(`${day}T12:00:00Z`)} : {count} visite{count > 1 ? 's' : ''}
            </li>
          ))}
        </ul>
      ) : null}
      <Visits project={project.data} state={visits} onChange={() => visits.reload()} />
    </>
  );
}
