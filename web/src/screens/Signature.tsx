import { type FormEvent, useEffect, useState } from 'react';
import { ApiError, explain, get, put } from '../api.js';
import { useMe } from '../session.js';
import type { RacProfileBody, RacProfileView } from '../types.js';
import { Alert, Failure, Loading, useLoad, useTitle } from '../ui.js';

const DEFAULT_TITLE = 'Votre Responsable Affaire Client';

/** My signature: how every message of my orders is signed, with the block as clients see it. */
export function Signature() {
  const me = useMe();
  useTitle('Ma signature');
  const racId = me.racId!;
  const profile = useLoad(
    () =>
      get<RacProfileView>(`/v1/racs/${encodeURIComponent(racId)}`).catch((error: unknown) => {
        if (error instanceof ApiError && error.status === 404) return null;
        throw error;
      }),
    [racId],
  );
  const [form, setForm] = useState<RacProfileBody>({ displayName: me.name });
  const [outcome, setOutcome] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);
  useEffect(() => {
    if (profile.data) {
      const { displayName, title, phone, email, gender } = profile.data;
      setForm({ displayName, title, phone, email, gender });
    }
  }, [profile.data]);
  if (profile.error) return <Failure error={profile.error} />;
  if (profile.loading && !profile.data) return <Loading />;
  const set = (change: Partial<RacProfileBody>) => setForm((f) => ({ ...f, ...change }));
  const clean = (value: string | undefined) => (value && value.trim() ? value.trim() : undefined);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setOutcome(null);
    try {
      await put(`/v1/racs/${encodeURIComponent(racId)}`, {
        displayName: form.displayName.trim(),
        ...(clean(form.title) ? { title: clean(form.title) } : {}),
        ...(clean(form.phone) ? { phone: clean(form.phone) } : {}),
        ...(clean(form.email) ? { email: clean(form.email) } : {}),
        ...(form.gender ? { gender: form.gender } : {}),
      });
      setOutcome({ kind: 'success', text: 'Signature enregistrée. Vos messages en attente la portent désormais.' });
      profile.reload();
    } catch (failure) {
      setOutcome({ kind: 'error', text: explain(failure) });
    }
  };
  return (
    <>
      <h1>Ma signature</h1>
      <div className="two-columns">
        <form className="grid-form" onSubmit={(e) => void submit(e)}>
          <label htmlFor="sig-name">Nom affiché</label>
          <input
            id="sig-name"
            required
            value={form.displayName}
            onChange={(e) => set({ displayName: e.target.value })}
          />
          <label htmlFor="sig-title">Fonction</label>
          <input
            id="sig-title"
            value={form.title ?? ''}
            placeholder={DEFAULT_TITLE}
            onChange={(e) => set({ title: e.target.value })}
          />
          <label htmlFor="sig-phone">Téléphone</label>
          <input id="sig-phone" type="tel" value={form.phone ?? ''} onChange={(e) => set({ phone: e.target.value })} />
          <label htmlFor="sig-email">E-mail</label>
          <input
            id="sig-email"
            type="email"
            value={form.email ?? ''}
            onChange={(e) => set({ email: e.target.value })}
          />
          <label htmlFor="sig-gender">Accord des formules</label>
          <select
            id="sig-gender"
            value={form.gender ?? ''}
            onChange={(e) => set({ gender: (e.target.value || undefined) as RacProfileBody['gender'] })}
          >
            <option value="">Neutre</option>
            <option value="f">Féminin</option>
            <option value="m">Masculin</option>
          </select>
          <div className="form-actions">
            <button type="submit">Enregistrer</button>
          </div>
          {outcome ? <Alert kind={outcome.kind}>{outcome.text}</Alert> : null}
        </form>
        <section aria-labelledby="sig-preview" className="card">
          <h2 id="sig-preview">Aperçu du bloc de signature</h2>
          <div className="signature" data-testid="signature-preview">
            <p>Bien cordialement,</p>
            <p>
              <strong>{form.displayName || '—'}</strong>
              <br />
              {form.title || DEFAULT_TITLE}
              {form.phone ? (
                <>
                  <br />
                  Tél. : {form.phone}
                </>
              ) : null}
              {form.email ? (
                <>
                  <br />
                  {form.email}
                </>
              ) : null}
            </p>
          </div>
        </section>
      </div>
    </>
  );
}
