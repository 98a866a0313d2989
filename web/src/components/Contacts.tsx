import { type FormEvent, useEffect, useState } from 'react';
import { ApiError, explain, get, patch, query } from '../api.js';
import { CONTACT_ROLES } from '../labels.js';
import { Link } from '../router.js';
import { can, useMe } from '../session.js';
import type { Contact, MessageView, ProjectView } from '../types.js';
import { Alert, Dialog } from '../ui.js';

export const contactName = (c: Contact) => [c.civility, c.firstName, c.lastName].filter(Boolean).join(' ');

/** A contact's fields as the form holds them; an empty optional field clears it. */
function ContactForm({ project, contact, onSaved }: { project: ProjectView; contact: Contact; onSaved: () => void }) {
  const [fields, setFields] = useState({
    civility: contact.civility ?? '',
    firstName: contact.firstName ?? '',
    lastName: contact.lastName,
    email: contact.email ?? '',
    mobile: contact.mobile ?? '',
  });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (change: Partial<typeof fields>) => setFields((f) => ({ ...f, ...change }));
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const orNull = (value: string) => (value.trim() ? value.trim() : null);
    try {
      await patch(
        `/v1/projects/${encodeURIComponent(project.ref)}/contacts/${encodeURIComponent(contact.id)}`,
        {
          civility: orNull(fields.civility),
          firstName: orNull(fields.firstName),
          lastName: fields.lastName.trim(),
          email: orNull(fields.email),
          mobile: orNull(fields.mobile),
        },
        { 'if-match': `"${project.version}"` },
      );
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
  const id = (name: string) => `contact-${contact.id}-${name}`;
  return (
    <form className="grid-form" onSubmit={(e) => void submit(e)}>
      <label htmlFor={id('civility')}>Civilité</label>
      <select id={id('civility')} value={fields.civility} onChange={(e) => set({ civility: e.target.value })}>
        <option value="">—</option>
        <option value="Mme">Mme</option>
        <option value="M.">M.</option>
      </select>
      <label htmlFor={id('first')}>Prénom</label>
      <input id={id('first')} value={fields.firstName} onChange={(e) => set({ firstName: e.target.value })} />
      <label htmlFor={id('last')}>Nom</label>
      <input id={id('last')} required value={fields.lastName} onChange={(e) => set({ lastName: e.target.value })} />
      <label htmlFor={id('email')}>E-mail</label>
      <input id={id('email')} type="email" value={fields.email} onChange={(e) => set({ email: e.target.value })} />
      <label htmlFor={id('mobile')}>Mobile</label>
      <input id={id('mobile')} type="tel" value={fields.mobile} onChange={(e) => set({ mobile: e.target.value })} />
      <div className="form-actions">
        <button type="submit" disabled={busy}>
          Enregistrer le contact
        </button>
      </div>
      {error ? <Alert>{error}</Alert> : null}
    </form>
  );
}

/**
 * The order's contacts; those who may correct one (its RAC, admins) edit it here. `fix`: a
 * message that did not reach its client (from « À traiter »): its recipient's form opens, and
 * once saved the message can be prepared again.
 */
export function Contacts({
  project,
  fix,
  onChange,
}: {
  project: ProjectView;
  fix?: string | null;
  onChange: () => void;
}) {
  const me = useMe();
  const [editing, setEditing] = useState<Contact | null>(null);
  const [failed, setFailed] = useState<MessageView | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const editable = can.send(me);
  useEffect(() => {
    if (!fix || !editable) return;
    let live = true;
    get<MessageView>(`/v1/messages/${encodeURIComponent(fix)}`).then(
      (message) => {
        if (!live) return;
        setFailed(message);
        const contact = project.contacts.find((c) => c.id === message.to[0]?.contactId);
        if (contact) setEditing(contact);
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
    // Opened once per message named, not again when the order reloads after the save.
  }, [fix, editable]);
  const contacts = project.contacts;
  return (
    <section aria-labelledby="contacts-title">
      <h2 id="contacts-title">Contacts ({contacts.length})</h2>
      {saved ? (
        <Alert kind="success">
          Contact {saved} enregistré.{' '}
          {failed ? (
            <Link
              to={`/app/projects/${encodeURIComponent(project.ref)}/compose${query({ template: failed.template })}`}
            >
              Préparer à nouveau le message
            </Link>
          ) : null}
        </Alert>
      ) : null}
      <div className="table-wrap">
        <table data-testid="contacts">
          <thead>
            <tr>
              <th scope="col">Nom</th>
              <th scope="col">Rôle</th>
              <th scope="col">E-mail</th>
              <th scope="col">Mobile</th>
              {editable ? <th scope="col">Actions</th> : null}
            </tr>
          </thead>
          <tbody>
            {contacts.map((c) => (
              <tr key={c.id}>
                <td>{contactName(c)}</td>
                <td>{CONTACT_ROLES[c.role] ?? c.role}</td>
                <td>{c.email ?? '—'}</td>
                <td>{c.mobile ?? '—'}</td>
                {editable ? (
                  <td>
                    <button
                      type="button"
                      className="secondary"
                      aria-label={`Modifier ${contactName(c)}`}
                      onClick={() => setEditing(c)}
                    >
                      Modifier
                    </button>
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Dialog title="Modifier le contact" open={editing !== null} onClose={() => setEditing(null)}>
        {editing ? (
          <>
            {failed && failed.to[0]?.contactId === editing.id ? (
              <Alert kind="warning">
                Le message n’a pas atteint {failed.to[0]?.address ?? 'ce contact'} : corrigez l’adresse.
              </Alert>
            ) : null}
            <ContactForm
              project={project}
              contact={editing}
              onSaved={() => {
                setSaved(contactName(editing));
                setEditing(null);
                onChange();
              }}
            />
          </>
        ) : null}
      </Dialog>
    </section>
  );
}
