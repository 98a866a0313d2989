import { CONTACT_ROLES } from '../labels.js';
import type { Contact } from '../types.js';

export const contactName = (c: Contact) => [c.civility, c.firstName, c.lastName].filter(Boolean).join(' ');

export function Contacts({ contacts }: { contacts: readonly Contact[] }) {
  return (
    <section aria-labelledby="contacts-title">
      <h2 id="contacts-title">Contacts ({contacts.length})</h2>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Nom</th>
              <th scope="col">Rôle</th>
              <th scope="col">E-mail</th>
              <th scope="col">Mobile</th>
            </tr>
          </thead>
          <tbody>
            {contacts.map((c) => (
              <tr key={c.id}>
                <td>{contactName(c)}</td>
                <td>{CONTACT_ROLES[c.role] ?? c.role}</td>
                <td>{c.email ?? '—'}</td>
                <td>{c.mobile ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
