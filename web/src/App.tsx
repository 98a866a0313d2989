import { lazy, type ReactNode, Suspense, useCallback, useEffect, useState } from 'react';
import { ApiError, get, post, query, SIGNED_OUT } from './api.js';
import { ROLE_NAMES } from './labels.js';
import { Link, match, navigate, useLocation } from './router.js';
import { can, SessionContext } from './session.js';
import type { MeView, MessageList } from './types.js';
import { Alert, Loading } from './ui.js';
import { SignIn } from './screens/SignIn.js';
import { OrderPage } from './screens/Order.js';
import { Compose } from './screens/Compose.js';
import { Home } from './screens/Home.js';

// Screens a RAC opens less often load on demand, so that the first load stays small.
const Dashboard = lazy(() => import('./screens/Dashboard.js').then((m) => ({ default: m.Dashboard })));
const Admin = lazy(() => import('./screens/Admin.js').then((m) => ({ default: m.Admin })));
const Signature = lazy(() => import('./screens/Signature.js').then((m) => ({ default: m.Signature })));
const Orders = lazy(() => import('./screens/Orders.js').then((m) => ({ default: m.Orders })));
const Review = lazy(() => import('./screens/Review.js').then((m) => ({ default: m.Review })));
const Planner = lazy(() => import('./screens/Planner.js').then((m) => ({ default: m.Planner })));

type Route = {
  pattern: string;
  render: (params: Record<string, string>, search: URLSearchParams) => ReactNode;
  allowed?: (me: MeView) => boolean;
};

const ROUTES: Route[] = [
  { pattern: '/app', render: () => <Home /> },
  { pattern: '/app/orders', render: () => <Orders /> },
  { pattern: '/app/projects/:ref', render: (p, s) => <OrderPage projectRef={p.ref!} fix={s.get('fix')} /> },
  {
    pattern: '/app/projects/:ref/compose',
    render: (p, s) => <Compose projectRef={p.ref!} template={s.get('template') ?? 'accuse-reception'} />,
    allowed: can.send,
  },
  { pattern: '/app/messages/:id', render: (p) => <Compose messageId={p.id!} /> },
  { pattern: '/app/review', render: (_p, s) => <Review search={s} />, allowed: can.send },
  // Everyone reads the agenda of their scope; only those who may plan see its actions.
  { pattern: '/app/planner', render: () => <Planner /> },
  { pattern: '/app/signature', render: () => <Signature />, allowed: can.sign },
  { pattern: '/app/dashboard', render: () => <Dashboard />, allowed: can.readStats },
  { pattern: '/app/admin', render: () => <Admin />, allowed: can.administer },
];

/** How many drafts and problems wait for a RAC: the count beside « À traiter », read again on each screen. */
function useToDo(me: MeView, path: string): string {
  const [count, setCount] = useState('');
  useEffect(() => {
    if (me.role !== 'rac') return;
    let live = true;
    const count = (q: string) =>
      get<MessageList>(`/v1/messages${q}`).then((l) => [l.items.length, l.nextCursor !== null] as const);
    Promise.all([
      count(query({ status: 'draft', rac: 'me', limit: 200 })),
      count(query({ problem: 'true', rac: 'me', limit: 200 })),
    ]).then(
      ([drafts, problems]) => live && setCount(`${drafts[0] + problems[0]}${drafts[1] || problems[1] ? '+' : ''}`),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [me.role, path]);
  return count;
}

function Navigation({ me, path }: { me: MeView; path: string }) {
  const toDo = useToDo(me, path);
  const items: [string, string, boolean][] = [
    ['/app/', toDo && toDo !== '0' ? `À traiter (${toDo})` : 'À traiter', true],
    ['/app/orders', 'Commandes', true],
    ['/app/planner', 'Planning', true],
    ['/app/dashboard', 'Tableau de bord', can.readStats(me)],
    ['/app/signature', 'Ma signature', can.sign(me)],
    ['/app/admin', 'Administration', can.administer(me)],
  ];
  const signOut = async () => {
    await post('/auth/logout').catch(() => undefined);
    window.location.assign('/app/');
  };
  return (
    <header className="top">
      <a className="skip" href="#main">
        Aller au contenu
      </a>
      <span className="brand">Jalon</span>
      <nav aria-label="Navigation principale">
        <ul>
          {items
            .filter(([, , shown]) => shown)
            .map(([to, label]) => {
              const current = to === '/app/' ? path === '/app/' || path === '/app' : path.startsWith(to);
              return (
                <li key={to}>
                  <Link to={to} {...(current ? { 'aria-current': 'page' as const } : {})}>
                    {label}
                  </Link>
                </li>
              );
            })}
        </ul>
      </nav>
      <span className="who">
        {me.name}{' '}
        <span className="muted">
          · {ROLE_NAMES[me.role] ?? me.role}
          {me.agency === '*' ? ' national' : ` ${me.agency}`}
        </span>
      </span>
      <button type="button" className="ghost" onClick={() => void signOut()}>
        Se déconnecter
      </button>
    </header>
  );
}

export function App() {
  const { path, search } = useLocation();
  const [me, setMe] = useState<MeView | null | undefined>(undefined);
  const [failed, setFailed] = useState(false);

  const load = useCallback(() => {
    get<MeView>('/v1/me').then(
      (who) => setMe(who),
      (error: unknown) => (error instanceof ApiError && error.status === 401 ? setMe(null) : setFailed(true)),
    );
  }, []);
  useEffect(load, [load]);
  useEffect(() => {
    const out = () => setMe(null);
    window.addEventListener(SIGNED_OUT, out);
    return () => window.removeEventListener(SIGNED_OUT, out);
  }, []);

  if (failed)
    return (
      <main id="main" className="narrow">
        <Alert>Le service ne répond pas. Rechargez la page dans un instant.</Alert>
      </main>
    );
  if (me === undefined)
    return (
      <main id="main" className="narrow">
        <Loading />
      </main>
    );
  // Signed out: sign in, then come back to this very screen (a deep link from an order tool).
  if (me === null) return <SignIn next={`${path}${search.size > 0 ? `?${search.toString()}` : ''}`} />;

  let screen: ReactNode = null;
  for (const route of ROUTES) {
    const params = match(route.pattern, path);
    if (!params) continue;
    screen =
      route.allowed && !route.allowed(me) ? (
        <Alert>Cet écran ne fait pas partie de votre rôle.</Alert>
      ) : (
        route.render(params, search)
      );
    break;
  }
  if (screen === null) {
    screen = (
      <Alert kind="info">
        Cette page n’existe pas.{' '}
        <a
          href="/app/"
          onClick={(e) => {
            e.preventDefault();
            navigate('/app/');
          }}
        >
          Revenir à l’accueil
        </a>
      </Alert>
    );
  }
  return (
    <SessionContext.Provider value={me}>
      <Navigation me={me} path={path} />
      <main id="main" tabIndex={-1}>
        <Suspense fallback={<Loading />}>{screen}</Suspense>
      </main>
    </SessionContext.Provider>
  );
}
