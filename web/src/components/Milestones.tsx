import { useState } from 'react';
import { explain, patch } from '../api.js';
import { formatDay } from '../format.js';
import { MILESTONE_NAMES } from '../labels.js';
import { can, useMe } from '../session.js';
import type { MilestoneCode, ProjectView } from '../types.js';
import { Alert } from '../ui.js';

const CODES: MilestoneCode[] = ['clientContact', 'rlp', 'rlpValidated', 'rle', 'deploymentEnd', 'surveySent'];

function ActualDate({ project, code, onChange }: { project: ProjectView; code: MilestoneCode; onChange: () => void }) {
  const [value, setValue] = useState(project.milestones[code]?.actual ?? '');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const id = `actual-${code}`;
  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      await patch(`/v1/projects/${encodeURIComponent(project.ref)}/milestones`, { [code]: { actual: value || null } });
      onChange();
    } catch (failure) {
      setError(explain(failure));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      className="inline"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <label htmlFor={id} className="visually-hidden">
        Date réelle : {MILESTONE_NAMES[code]}
      </label>
      <input id={id} type="date" value={value} onChange={(e) => setValue(e.target.value)} />
      <button type="submit" className="secondary" disabled={busy || value === (project.milestones[code]?.actual ?? '')}>
        Enregistrer
      </button>
      {error ? <Alert>{error}</Alert> : null}
    </form>
  );
}

export function Milestones({ project, onChange }: { project: ProjectView; onChange: () => void }) {
  const me = useMe();
  return (
    <section aria-labelledby="milestones-title">
      <h2 id="milestones-title">Jalons</h2>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Jalon</th>
              <th scope="col">Prévu</th>
              <th scope="col">Réel</th>
            </tr>
          </thead>
          <tbody>
            {CODES.map((code) => (
              <tr key={code}>
                <th scope="row">{MILESTONE_NAMES[code]}</th>
                <td>{formatDay(project.milestones[code]?.planned)}</td>
                <td>
                  {can.setMilestones(me) ? (
                    <ActualDate key={`${project.version}-${code}`} project={project} code={code} onChange={onChange} />
                  ) : (
                    formatDay(project.milestones[code]?.actual)
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
