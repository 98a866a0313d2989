import { useState } from 'react';
import { ApiError, get, query } from '../api.js';
import { formatDay } from '../format.js';
import { DEADLINE_NAMES, DEADLINE_STATES, TEMPLATE_NAMES } from '../labels.js';
import { navigate } from '../router.js';
import { can, useMe } from '../session.js';
import type { Intervention, ProjectView, TemplateSummary, Timeline } from '../types.js';
import { Alert, Badge, Failure, Loading, useLoad, useTitle } from '../ui.js';
import { Contacts } from '../components/Contacts.js';
import { Milestones } from '../components/Milestones.js';
import { Sites } from '../components/Sites.js';
import { TimelineView } from '../components/Timeline.js';
import { Visits } from '../components/Visits.js';

const TONE = { on_time: 'ok', late: 'late', pending: 'pending' } as const;

export function Deadlines({ project }: { project: ProjectView }) {
  return (
    <ul className="badges" aria-label="Échéances">
      {(['clientContact', 'rlp', 'rle'] as const).map((code) => {
        const d = project.deadlines[code];
        return (
          <li key={code}>
            <Badge tone={TONE[d.state]}>
              {DEADLINE_NAMES[code]} : {DEADLINE_STATES[d.state]}
            </Badge>
            <span className="muted small">
              {d.actual ? ` fait le ${formatDay(d.actual)}` : d.due ? ` avant le ${formatDay(d.due)}` : ''}
            </span>
          </li>
        );
      })}
    </ul>
  );
}

function Write({ project }: { project: ProjectView }) {
  const templates = useLoad(() => get<{ templates: TemplateSummary[] }>('/v1/templates'), []);
  const [template, setTemplate] = useState('accuse-reception');
  const own = (templates.data?.templates ?? []).filter(
    (t) => !t.key.startsWith('annulation') && !t.key.startsWith('modification'),
  );
  return (
    <form
      className="inline"
      onSubmit={(e) => {
        e.preventDefault();
        navigate(`/app/projects/${encodeURIComponent(project.ref)}/compose${query({ template })}`);
      }}
    >
      <label htmlFor="write-template">Rédiger</label>
      <select id="write-template" value={template} onChange={(e) => setTemplate(e.target.value)}>
        {own.map((t) => (
          <option key={t.key} value={t.key}>
            {TEMPLATE_NAMES[t.key] ?? t.description}
          </option>
        ))}
      </select>
      <button type="submit">Rédiger ce message</button>
    </form>
  );
}

/**
 * An order: its numbers, client, RAC and deadlines; sites, contacts, milestones, visits and
 * timeline. `fix`: a message that did not reach its client, whose recipient is to be corrected.
 */
export function OrderPage({ projectRef, fix }: { projectRef: string; fix?: string | null }) {
  const me = useMe();
  const project = useLoad(() => get<ProjectView>(`/v1/projects/${encodeURIComponent(projectRef)}`), [projectRef]);
  const timeline = useLoad(
    () =>
      get<Timeline>(`/v1/projects/${encodeURIComponent(projectRef)}/history${query({ order: 'desc', limit: 200 })}`),
    [projectRef],
  );
  const visits = useLoad(
    () => get<{ items: Intervention[] }>(`/v1/projects/${encodeURIComponent(projectRef)}/interventions`),
    [projectRef],
  );
  useTitle(project.data ? `${project.data.orderNumber} · ${project.data.client.company}` : `Commande ${projectRef}`);

  if (project.error) {
    const hidden = project.error instanceof ApiError && (project.error.status === 404 || project.error.status === 403);
    return (
      <>
        <h1>Commande {projectRef}</h1>
        {hidden ? (
          <Alert>Cette commande n’existe pas, ou elle ne fait pas partie de votre périmètre.</Alert>
        ) : (
          <Failure error={project.error} />
        )}
      </>
    );
  }
  if (!project.data) return <Loading />;
  const p = project.data;
  const refresh = () => {
    project.reload();
    timeline.reload();
    visits.reload();
  };
  return (
    <article className="order">
      <header className="order-head">
        <p className="muted">
          {p.client.company} · agence {p.agency}
        </p>
        <h1>{p.label}</h1>
        <dl className="facts">
          <div>
            <dt>N° de commande</dt>
            <dd>{p.orderNumber}</dd>
          </div>
          <div>
            <dt>N° de suivi</dt>
            <dd>{p.trackingNumber}</dd>
          </div>
          <div>
            <dt>RAC</dt>
            <dd>
              {p.rac.firstName} {p.rac.lastName}
            </dd>
          </div>
          <div>
            <dt>Reçue le</dt>
            <dd>{formatDay(p.receivedAt)}</dd>
          </div>
          <div>
            <dt>Offres</dt>
            <dd>{p.offers.map((o) => o.label).join(', ') || '—'}</dd>
          </div>
        </dl>
        <Deadlines project={p} />
        {can.send(me) ? <Write project={p} /> : null}
      </header>
      <Milestones project={p} onChange={refresh} />
      <Visits project={p} state={visits} onChange={refresh} />
      <Sites project={p} onChange={refresh} />
      <Contacts project={p} fix={fix ?? null} onChange={refresh} />
      <TimelineView state={timeline} />
    </article>
  );
}
