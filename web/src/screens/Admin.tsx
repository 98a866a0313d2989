import { type FormEvent, useEffect, useState } from 'react';
import { del, explain, get, patch, post, put } from '../api.js';
import { formatDateTime } from '../format.js';
import { ROLE_NAMES } from '../labels.js';
import { useMe } from '../session.js';
import type { AgencySettings, KeyBody, KeyView, UserBody, UserView } from '../types.js';
import { Alert, Failure, Loading, useLoad, useTitle } from '../ui.js';

/** Admin: people, API keys, the agency's settings, and the queues for national admins. */
export function Admin() {
  const me = useMe();
  useTitle('Administration');
  const [tab, setTab] = useState<'people' | 'keys' | 'settings'>('people');
  const tabs = [
    ['people', 'Personnes'],
    ['keys', 'Clés d’API'],
    ['settings', 'Réglages de l’agence'],
  ] as const;
  return (
    <>
      <h1>Administration</h1>
      <div className="segmented" role="group" aria-label="Rubrique">
        {tabs.map(([key, label]) => (
          <button key={key} type="button" aria-pressed={tab === key} onClick={() => setTab(key)}>
            {label}
          </button>
        ))}
      </div>
      {me.agency === '*' ? (
        <p>
          <a href="/admin/queues/">Tableau des files d’envoi</a>{' '}
          <span className="muted">(administrateurs nationaux)</span>
        </p>
      ) : null}
      {tab === 'people' ? <People /> : tab === 'keys' ? <Keys /> : <Settings />}
    </>
  );
}

function People() {
  const me = useMe();
  const list = useLoad(() => get<{ users: UserView[] }>('/v1/users'), []);
  const [form, setForm] = useState<UserBody>({
    email: '',
    displayName: '',
    role: 'rac',
    agency: me.agency === '*' ? '' : me.agency,
  });
  const [outcome, setOutcome] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);
  const set = (change: Partial<UserBody>) => setForm((f) => ({ ...f, ...change }));
  const invite = async (event: FormEvent) => {
    event.preventDefault();
    setOutcome(null);
    try {
      await post('/v1/users', { ...form, ...(form.role === 'rac' ? {} : { racId: undefined }) });
      setOutcome({
        kind: 'success',
        text: `${form.displayName} est invité(e) : un lien de connexion lui a été envoyé.`,
      });
      setForm({ ...form, email: '', displayName: '', racId: undefined });
      list.reload();
    } catch (failure) {
      setOutcome({ kind: 'error', text: explain(failure) });
    }
  };
  const change = async (user: UserView, body: Record<string, unknown>) => {
    setOutcome(null);
    try {
      await patch(`/v1/users/${user.id}`, body);
      list.reload();
    } catch (failure) {
      setOutcome({ kind: 'error', text: explain(failure) });
    }
  };
  return (
    <section aria-labelledby="people-title">
      <h2 id="people-title">Personnes</h2>
      <form className="grid-form" onSubmit={(e) => void invite(e)} aria-label="Inviter une personne">
        <label htmlFor="p-email">E-mail</label>
        <input id="p-email" type="email" required value={form.email} onChange={(e) => set({ email: e.target.value })} />
        <label htmlFor="p-name">Nom</label>
        <input id="p-name" required value={form.displayName} onChange={(e) => set({ displayName: e.target.value })} />
        <label htmlFor="p-role">Rôle</label>
        <select id="p-role" value={form.role} onChange={(e) => set({ role: e.target.value as UserBody['role'] })}>
          {(['rac', 'planner', 'manager', 'admin'] as const).map((r) => (
            <option key={r} value={r}>
              {ROLE_NAMES[r]}
            </option>
          ))}
        </select>
        <label htmlFor="p-agency">Agence</label>
        <input
          id="p-agency"
          required
          value={form.agency}
          readOnly={me.agency !== '*'}
          onChange={(e) => set({ agency: e.target.value.toUpperCase() })}
        />
        {form.role === 'rac' ? (
          <>
            <label htmlFor="p-rac">Identifiant RAC</label>
            <input id="p-rac" required value={form.racId ?? ''} onChange={(e) => set({ racId: e.target.value })} />
          </>
        ) : null}
        <div className="form-actions">
          <button type="submit">Inviter</button>
        </div>
      </form>
      {outcome ? <Alert kind={outcome.kind}>{outcome.text}</Alert> : null}
      {list.error ? <Failure error={list.error} /> : null}
      {list.data ? (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Nom</th>
                <th scope="col">E-mail</th>
                <th scope="col">Rôle</th>
                <th scope="col">Agence</th>
                <th scope="col">Dernière connexion</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {list.data.users.map((u) => (
                <tr key={u.id}>
                  <td>{u.displayName}</td>
                  <td>{u.email}</td>
                  <td>
                    <label className="visually-hidden" htmlFor={`role-${u.id}`}>
                      Rôle de {u.displayName}
                    </label>
                    <select
                      id={`role-${u.id}`}
                      value={u.role}
                      disabled={!u.active || u.role === 'rac'}
                      onChange={(e) => void change(u, { role: e.target.value })}
                    >
                      {(['rac', 'planner', 'manager', 'admin'] as const).map((r) => (
                        <option key={r} value={r} disabled={r === 'rac'}>
                          {ROLE_NAMES[r]}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td>{u.agency === '*' ? 'national' : u.agency}</td>
                  <td>{u.lastSignInAt ? formatDateTime(u.lastSignInAt) : '—'}</td>
                  <td>
                    {u.id === me.id ? (
                      <span className="muted">vous</span>
                    ) : u.active ? (
                      <button type="button" className="danger" onClick={() => void change(u, { active: false })}>
                        Désactiver
                      </button>
                    ) : (
                      <button type="button" className="secondary" onClick={() => void change(u, { active: true })}>
                        Réactiver
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <Loading />
      )}
    </section>
  );
}

function Keys() {
  const me = useMe();
  const list = useLoad(() => get<{ keys: KeyView[] }>('/v1/keys'), []);
  const [form, setForm] = useState<KeyBody>({
    name: '',
    role: 'integration',
    agency: me.agency === '*' ? '' : me.agency,
  });
  const [secret, setSecret] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<string | null>(null);
  const create = async (event: FormEvent) => {
    event.preventDefault();
    setOutcome(null);
    try {
      const created = await post<{ key: string }>('/v1/keys', form);
      setSecret(created.key);
      setForm({ ...form, name: '' });
      list.reload();
    } catch (failure) {
      setOutcome(explain(failure));
    }
  };
  const revoke = async (key: KeyView) => {
    setOutcome(null);
    try {
      await del(`/v1/keys/${key.id}`);
      list.reload();
    } catch (failure) {
      setOutcome(explain(failure));
    }
  };
  return (
    <section aria-labelledby="keys-title">
      <h2 id="keys-title">Clés d’API</h2>
      <form className="grid-form" onSubmit={(e) => void create(e)} aria-label="Créer une clé">
        <label htmlFor="k-name">Nom (l’outil qui l’utilise)</label>
        <input id="k-name" required value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />
        <label htmlFor="k-role">Rôle</label>
        <select
          id="k-role"
          value={form.role}
          onChange={(e) => setForm({ ...form, role: e.target.value as KeyBody['role'] })}
        >
          {(['integration', 'manager', 'admin'] as const).map((r) => (
            <option key={r} value={r}>
              {ROLE_NAMES[r]}
            </option>
          ))}
        </select>
        <label htmlFor="k-agency">Agence (* : national)</label>
        <input
          id="k-agency"
          required
          value={form.agency}
          readOnly={me.agency !== '*'}
          onChange={(e) => setForm({ ...form, agency: e.target.value.toUpperCase() })}
        />
        <div className="form-actions">
          <button type="submit">Créer la clé</button>
        </div>
      </form>
      {secret ? (
        <Alert kind="warning">
          Copiez cette clé maintenant : elle ne sera plus jamais affichée.
          <br />
          <code data-testid="new-key">{secret}</code>{' '}
          <button type="button" className="secondary" onClick={() => setSecret(null)}>
            C’est noté
          </button>
        </Alert>
      ) : null}
      {outcome ? <Alert>{outcome}</Alert> : null}
      {list.error ? <Failure error={list.error} /> : null}
      {list.data ? (
        <div className="table-wrap">
          <table data-testid="keys">
            <thead>
              <tr>
                <th scope="col">Nom</th>
                <th scope="col">Préfixe</th>
                <th scope="col">Rôle</th>
                <th scope="col">Agence</th>
                <th scope="col">Dernier usage</th>
                <th scope="col">État</th>
              </tr>
            </thead>
            <tbody>
              {list.data.keys.map((k) => (
                <tr key={k.id}>
                  <td>{k.name}</td>
                  <td>
                    <code>{k.prefix}…</code>
                  </td>
                  <td>{ROLE_NAMES[k.role] ?? k.role}</td>
                  <td>{k.agency === '*' ? 'national' : k.agency}</td>
                  <td>{k.lastUsedAt ? formatDateTime(k.lastUsedAt) : 'jamais'}</td>
                  <td>
                    {k.revokedAt ? (
                      `révoquée le ${formatDateTime(k.revokedAt)}`
                    ) : (
                      <button type="button" className="danger" onClick={() => void revoke(k)}>
                        Révoquer
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <Loading />
      )}
    </section>
  );
}

const MODES = { off: 'Manuel (rien n’est préparé)', draft: 'Brouillon à relire', send: 'Envoi automatique' } as const;
const AUTOMATIONS = [
  ['accuseReception', 'Accusé de réception'],
  ['rleRecap', 'Compte rendu de RLE'],
  ['cloture', 'Clôture'],
] as const;

function Settings() {
  const me = useMe();
  const [agency, setAgency] = useState(me.agency === '*' ? '' : me.agency);
  const [chosen, setChosen] = useState(me.agency === '*' ? '' : me.agency);
  const settings = useLoad(
    async () => (chosen ? get<AgencySettings>(`/v1/agencies/${chosen}/settings`) : null),
    [chosen],
  );
  const [form, setForm] = useState<AgencySettings | null>(null);
  const [outcome, setOutcome] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);
  useEffect(() => setForm(settings.data ?? null), [settings.data]);
  const save = async (event: FormEvent) => {
    event.preventDefault();
    if (!form) return;
    setOutcome(null);
    try {
      setForm(await put<AgencySettings>(`/v1/agencies/${chosen}/settings`, form));
      setOutcome({ kind: 'success', text: 'Réglages enregistrés.' });
    } catch (failure) {
      setOutcome({ kind: 'error', text: explain(failure) });
    }
  };
  return (
    <section aria-labelledby="settings-title">
      <h2 id="settings-title">Réglages de l’agence</h2>
      {me.agency === '*' ? (
        <form className="inline" onSubmit={(e) => (e.preventDefault(), setChosen(agency))}>
          <label htmlFor="s-agency">Agence</label>
          <input
            id="s-agency"
            value={agency}
            onChange={(e) => setAgency(e.target.value.toUpperCase())}
            placeholder="AERM"
          />
          <button type="submit">Afficher</button>
        </form>
      ) : null}
      {settings.error ? <Failure error={settings.error} /> : null}
      {chosen && !form ? <Loading /> : null}
      {form ? (
        <form className="grid-form" onSubmit={(e) => void save(e)}>
          {AUTOMATIONS.map(([key, label]) => (
            <div key={key} className="contents">
              <label htmlFor={`a-${key}`}>{label}</label>
              <select
                id={`a-${key}`}
                value={form.automation[key]}
                onChange={(e) => setForm({ ...form, automation: { ...form.automation, [key]: e.target.value } })}
              >
                {Object.entries(MODES).map(([value, text]) => (
                  <option key={value} value={value}>
                    {text}
                  </option>
                ))}
              </select>
            </div>
          ))}
          <label htmlFor="s-survey">Relance du bilan (jours)</label>
          <input
            id="s-survey"
            type="number"
            min={1}
            max={90}
            value={form.automation.surveyReminderDays}
            onChange={(e) =>
              setForm({ ...form, automation: { ...form.automation, surveyReminderDays: Number(e.target.value) } })
            }
          />
          <label htmlFor="s-notice">Préavis d’intervention (heures)</label>
          <input
            id="s-notice"
            type="number"
            min={1}
            max={336}
            value={form.reminders.noticeHours}
            onChange={(e) =>
              setForm({ ...form, reminders: { ...form.reminders, noticeHours: Number(e.target.value) } })
            }
          />
          <label htmlFor="s-time">Heure du rappel SMS (la veille)</label>
          <input
            id="s-time"
            type="time"
            value={form.reminders.reminderTime}
            onChange={(e) => setForm({ ...form, reminders: { ...form.reminders, reminderTime: e.target.value } })}
          />
          <label htmlFor="s-from">SMS envoyés à partir de</label>
          <input
            id="s-from"
            type="time"
            value={form.reminders.smsHours.start}
            onChange={(e) =>
              setForm({
                ...form,
                reminders: { ...form.reminders, smsHours: { ...form.reminders.smsHours, start: e.target.value } },
              })
            }
          />
          <label htmlFor="s-to">et jusqu’à</label>
          <input
            id="s-to"
            type="time"
            value={form.reminders.smsHours.end}
            onChange={(e) =>
              setForm({
                ...form,
                reminders: { ...form.reminders, smsHours: { ...form.reminders.smsHours, end: e.target.value } },
              })
            }
          />
          <div className="form-actions">
            <button type="submit">Enregistrer les réglages</button>
          </div>
          {outcome ? <Alert kind={outcome.kind}>{outcome.text}</Alert> : null}
        </form>
      ) : null}
    </section>
  );
}
