import { type FormEvent, useEffect, useState } from 'react';
import { explain, get, post } from '../api.js';
import { Alert, useTitle } from '../ui.js';

/** Email → « un lien de connexion vous a été envoyé »; the SSO button when the service has one. */
export function SignIn({ next }: { next: string }) {
  useTitle('Connexion');
  const [email, setEmail] = useState('');
  const [state, setState] = useState<'idle' | 'sending' | 'sent'>('idle');
  const [error, setError] = useState<string | null>(null);
  const [sso, setSso] = useState(false);
  const target = next.startsWith('/app') ? next : '/app/';

  useEffect(() => {
    get<{ sso: boolean }>('/auth/methods').then(
      (m) => setSso(m.sso),
      () => setSso(false),
    );
  }, []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setState('sending');
    setError(null);
    try {
      await post('/auth/link', { email: email.trim(), next: target });
      setState('sent');
    } catch (failure) {
      setError(explain(failure));
      setState('idle');
    }
  };

  return (
    <main id="main" className="narrow signin">
      <h1>Se connecter à Jalon</h1>
      {state === 'sent' ? (
        <Alert kind="success">
          Un lien de connexion vous a été envoyé à <strong>{email}</strong>. Il est valable 15 minutes et sert une seule
          fois : ouvrez-le sur cet appareil.
        </Alert>
      ) : (
        <form onSubmit={(e) => void submit(e)}>
          <label htmlFor="email">Adresse e-mail professionnelle</label>
          <input
            id="email"
            type="email"
            autoComplete="email"
            required
            autoFocus
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
          <button type="submit" disabled={state === 'sending'}>
            Recevoir un lien de connexion
          </button>
          {error ? <Alert>{error}</Alert> : null}
        </form>
      )}
      {sso ? (
        <p>
          <a className="button secondary" href={`/auth/oidc?next=${encodeURIComponent(target)}`}>
            Se connecter avec le compte de l’entreprise
          </a>
        </p>
      ) : null}
    </main>
  );
}
