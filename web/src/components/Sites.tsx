import { type FormEvent, useDeferredValue, useMemo, useState } from 'react';
import { ApiError, explain, patch } from '../api.js';
import { SITE_ROLES } from '../labels.js';
import { can, useMe } from '../session.js';
import type { ProjectView, Site } from '../types.js';
import { Alert, Dialog } from '../ui.js';
import { contactName } from './Contacts.js';

const collator = new Intl.Collator('fr', { sensitivity: 'base' });

/** A site's address as the form holds it; only what changed is sent. */
function SiteForm({ project, site, onSaved }: { project: ProjectView; site: Site; onSaved: () => void }) {
  const [fields, setFields] = useState({
    name: site.name,
    address: site.address,
    postalCode: site.postalCode,
    city: site.city,
  });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (change: Partial<typeof fields>) => setFields((f) => ({ ...f, ...change }));
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const changed = Object.fromEntries(
      Object.entries(fields)
        .map(([key, value]) => [key, value.trim()] as const)
        .filter(([key, value]) => value !== site[key as keyof typeof fields]),
    );
    // Nothing changed: the API would refuse an empty correction.
    if (Object.keys(changed).length === 0) return onSaved();
    setBusy(true);
    setError(null);
    try {
      await patch(`/v1/projects/${encodeURIComponent(project.ref)}/sites/${encodeURIComponent(site.ref)}`, changed, {
        'if-match': `"${project.version}"`,
      });
      onSaved();
    } catch (failure) {
      setError(
        failure instanceof ApiError && failure.status === 412
          ? 'La commande a été modifiée entre-temps : rechargez-la, puis corrigez de nouveau.'
          : explain(failure),
      );
    } finally {
      setBusy(false);
    }
  };
  const id = (name: string) => `site-${site.ref}-${name}`;
  return (
    <form className="grid-form" onSubmit={(e) => void submit(e)}>
      <label htmlFor={id('name')}>Nom</label>
      <input id={id('name')} required value={fields.name} onChange={(e) => set({ name: e.target.value })} />
      <label htmlFor={id('address')}>Adresse</label>
      <input id={id('address')} required value={fields.address} onChange={(e) => set({ address: e.target.value })} />
      <label htmlFor={id('postal')}>Code postal</label>
      <input
        id={id('postal')}
        required
        inputMode="numeric"
        pattern="[0-9]{5}"
        value={fields.postalCode}
        onChange={(e) => set({ postalCode: e.target.value })}
      />
      <label htmlFor={id('city')}>Ville</label>
      <input id={id('city')} required value={fields.city} onChange={(e) => set({ city: e.target.value })} />
      <div className="form-actions">
        <button type="submit" disabled={busy}>
          Enregistrer le site
        </button>
      </div>
      {error ? <Alert>{error}</Alert> : null}
    </form>
  );
}

/**
 * The order's sites, filtered by city and role; plain rows stay fast at a few hundred sites.
 * Those who may correct a site (its RAC, admins) fix its address here.
 */
export function Sites({ project, onChange }: { project: ProjectView; onChange: () => void }) {
  const { sites, contacts } = project;
  const me = useMe();
  const editable = can.send(me);
  const [editing, setEditing] = useState<Site | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [city, setCity] = useState('');
  const [role, setRole] = useState('');
  const [text, setText] = useState('');
  const search = useDeferredValue(text.trim().toLowerCase());
  const cities = useMemo(() => [...new Set(sites.map((s) => s.city))].sort(collator.compare), [sites]);
  const byId = useMemo(() => new Map(contacts.map((c) => [c.id, c])), [contacts]);
  const shown = useMemo(
    () =>
      sites.filter(
        (s) =>
          (!city || s.city === city) &&
          (!role || s.role === role) &&
          (!search || `${s.ref} ${s.name} ${s.address} ${s.postalCode}`.toLowerCase().includes(search)),
      ),
    [sites, city, role, search],
  );
  return (
    <section aria-labelledby="sites-title">
      <h2 id="sites-title">Sites ({sites.length})</h2>
      {saved ? <Alert kind="success">Site {saved} enregistré.</Alert> : null}
      <div className="filters" role="search" aria-label="Filtrer les sites">
        <label>
          Ville
          <select value={city} onChange={(e) => setCity(e.target.value)}>
            <option value="">Toutes ({cities.length})</option>
            {cities.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
        <label>
          Rôle
          <select value={role} onChange={(e) => setRole(e.target.value)}>
            <option value="">Tous</option>
            <option value="main">Principal</option>
            <option value="remote">Distant</option>
          </select>
        </label>
        <label>
          Recherche
          <input
            type="search"
            value={text}
            onChange={(e) => setText(e.target.value)}
            placeholder="Nom, adresse, référence"
          />
        </label>
        <span className="muted" role="status" aria-live="polite">
          {shown.length === sites.length ? `${sites.length} sites` : `${shown.length} sur ${sites.length} sites`}
        </span>
      </div>
      <div className="table-wrap tall">
        <table data-testid="sites">
          <thead>
            <tr>
              <th scope="col">Référence</th>
              <th scope="col">Nom</th>
              <th scope="col">Adresse</th>
              <th scope="col">Ville</th>
              <th scope="col">Rôle</th>
              <th scope="col">Accès</th>
              <th scope="col">Contact</th>
              {editable ? <th scope="col">Actions</th> : null}
            </tr>
          </thead>
          <tbody>
            {shown.map((s) => {
              const contact = s.contactId ? byId.get(s.contactId) : undefined;
              return (
                <tr key={s.ref}>
                  <td>{s.ref}</td>
                  <td>{s.name}</td>
                  <td>
                    {s.address}, {s.postalCode}
                  </td>
                  <td>{s.city}</td>
                  <td>{SITE_ROLES[s.role] ?? s.role}</td>
                  <td>{[s.access?.current, s.access?.target].filter(Boolean).join(' → ') || '—'}</td>
                  <td>{contact ? contactName(contact) : '—'}</td>
                  {editable ? (
                    <td>
                      <button
                        type="button"
                        className="secondary"
                        aria-label={`Modifier le site ${s.ref}`}
                        onClick={() => setEditing(s)}
                      >
                        Modifier
                      </button>
                    </td>
                  ) : null}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <Dialog title="Modifier le site" open={editing !== null} onClose={() => setEditing(null)}>
        {editing ? (
          <SiteForm
            project={project}
            site={editing}
            onSaved={() => {
              setSaved(editing.ref);
              setEditing(null);
              onChange();
            }}
          />
        ) : null}
      </Dialog>
    </section>
  );
}
