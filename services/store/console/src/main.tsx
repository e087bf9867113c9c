import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { formText } from './pages/shared.js';
import { ApiError, atLeast, get, post, setCsrfToken, type SessionInfo } from './api.js';
import { href, useRoute } from './route.js';
import { FindingDetail } from './pages/finding.js';
import { Findings } from './pages/findings.js';
import { IdentityPage } from './pages/identity.js';
import { Overview } from './pages/overview.js';
import { Rules } from './pages/rules.js';
import { Actions } from './pages/triage.js';
import { Credentials } from './pages/credentials.js';
import { Events } from './pages/events.js';

// The SOC console: a session opened with an API token, then the pages over the query API.

function SignIn({ onSignedIn }: { onSignedIn: (s: SessionInfo) => void }) {
  const [error, setError] = useState<string | undefined>();
  return (
    <main class="sign-in">
      <h1>kaudit</h1>
      <form
        aria-label="Sign in"
        onSubmit={(e) => {
          e.preventDefault();
          const token = formText(new FormData(e.currentTarget), 'token');
          post<SessionInfo>('/v1/session', { token }).then(onSignedIn, (err: unknown) => { setError(err instanceof ApiError ? err.message : String(err)); });
        }}
      >
        <label>
          API token <input name="token" type="password" autocomplete="current-password" required />
        </label>
        <button type="submit">Sign in</button>
        {error !== undefined && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
      </form>
    </main>
  );
}

function App() {
  const [session, setSession] = useState<SessionInfo | null | undefined>(undefined);
  const route = useRoute();
  const signedIn = (s: SessionInfo) => {
    setCsrfToken(s.csrfToken);
    setSession(s);
  };
  useEffect(() => {
    get<SessionInfo>('/v1/session').then(signedIn, () => { setSession(null); });
  }, []);
  if (session === undefined) return <p aria-busy="true">Loading…</p>;
  if (session === null) return <SignIn onSignedIn={signedIn} />;
  const pages: [string, string, boolean][] = [
    ['overview', 'Overview', true],
    ['findings', 'Findings', true],
    ['events', 'Events', atLeast(session.role, 'analyst')],
    ['credentials', 'Credentials', atLeast(session.role, 'analyst')],
    ['rules', 'Rules', true],
    ['actions', 'Action log', true],
  ];
  let page;
  if (route.page === 'findings') page = <Findings route={route} />;
  else if (route.page === 'finding' && route.arg !== undefined) page = <FindingDetail id={route.arg} role={session.role} incident={route.params.incident?.[0] === '1'} />;
  else if (route.page === 'identity' && route.arg !== undefined && atLeast(session.role, 'analyst')) page = <IdentityPage user={route.arg} />;
  else if (route.page === 'rules') page = <Rules route={route} />;
  else if (route.page === 'actions') page = <Actions />;
  else if (route.page === 'events' && atLeast(session.role, 'analyst')) page = <Events route={route} />;
  else if (route.page === 'credentials' && atLeast(session.role, 'analyst')) page = <Credentials route={route} />;
  else page = <Overview route={route} />;
  return (
    <>
      <header>
        <a class="brand" href={href('overview')}>
          kaudit
        </a>
        <nav aria-label="Pages">
          {pages
            .filter(([, , shown]) => shown)
            .map(([id, label]) => (
              <a href={href(id)} aria-current={route.page === id ? 'page' : undefined}>
                {label}
              </a>
            ))}
        </nav>
        <span class="who">
          {session.name} ({session.role})
        </span>
        <button
          type="button"
          onClick={() => {
            void post('/v1/session/end').finally(() => { setSession(null); });
          }}
        >
          Sign out
        </button>
      </header>
      <main>{page}</main>
    </>
  );
}

const root = document.getElementById('app');
if (root) render(<App />, root);
