import { useDeferredValue, useMemo, useState } from 'react';
import { SITE_ROLES } from '../labels.js';
import type { Contact, Site } from '../types.js';
import { contactName } from './Contacts.js';

const collator = new Intl.Collator('fr', { sensitivity: 'base' });

/** The order's sites, filtered by city and role; plain rows stay fast at a few hundred sites. */
export function Sites({ sites, contacts }: { sites: readonly Site[]; contacts: readonly Contact[] }) {
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
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
