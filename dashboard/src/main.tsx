import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, whenUnauthorized } from './api';
import { go, useHashRoute } from './hooks';
import { AppsPage } from './pages/apps';
import { EventsPage } from './pages/events';
import { FunctionsPage } from './pages/functions';
import { RunPage } from './pages/run';
import { RunsPage } from './pages/runs';
import './style.css';

type Session = { open: boolean; authenticated: boolean };

function Login(props: { onDone: (session: Session) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const submit = async (): Promise<void> => {
    try {
      props.onDone(await api<Session>('POST', '/auth/login', { key }));
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught));
    }
  };
  return (
    <main class="login">
      <form class="card" data-testid="login" onSubmit={(event) => { event.preventDefault(); void submit(); }}>
        <h1>Stepstack</h1>
        <p>Log in with this stage's API key (<code>API_KEY</code>).</p>
        <input type="password" name="key" data-testid="login-key" autocomplete="current-password" placeholder="API key" value={key} onInput={(event) => setKey(event.currentTarget.value)} required />
        <button type="submit" data-testid="login-button">Log in</button>
        {error ? <p class="error" data-testid="login-error">{error}</p> : null}
      </form>
    </main>
  );
}

const PAGES = [['runs', 'Runs'], ['events', 'Events'], ['functions', 'Functions'], ['apps', 'Apps']] as const;

function Page(props: { route: string[] }) {
  const [page, id] = props.route;
  if (page === 'runs' && id) return <RunPage key={id} runId={id} />;
  if (page === 'events') return <EventsPage {...(id ? { open: id } : {})} />;
  if (page === 'functions') return <FunctionsPage {...(id ? { focus: id } : {})} />;
  if (page === 'apps') return <AppsPage />;
  return <RunsPage />;
}

function App() {
  const route = useHashRoute();
  const [session, setSession] = useState<Session | undefined>(undefined);
  useEffect(() => {
    whenUnauthorized(() => setSession((known) => (known?.open ? known : { open: false, authenticated: false })));
    void api<Session>('GET', '/auth/session').then(setSession, () => setSession({ open: false, authenticated: false }));
  }, []);
  if (!session) return <p class="loading">Loading…</p>;
  if (!session.authenticated) return <Login onDone={setSession} />;
  const logout = async (): Promise<void> => {
    await api('POST', '/auth/logout');
    setSession({ open: false, authenticated: false });
    go('/runs');
  };
  return (
    <>
      <header>
        <a class="brand" href="#/runs">Stepstack</a>
        <nav>
          {PAGES.map(([path, label]) => <a key={path} href={`#/${path}`} class={(route[0] ?? 'runs') === path ? 'active' : ''}>{label}</a>)}
        </nav>
        {session.open
          ? <span class="open-note" data-testid="open-note">Open: no API_KEY is set, anyone on this machine can act here</span>
          : <button type="button" class="link" data-testid="logout" onClick={() => void logout()}>Log out</button>}
      </header>
      <main><Page route={route} /></main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
