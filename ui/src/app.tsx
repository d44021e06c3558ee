/**
 * The app: a session gate (the key prompt until the server accepts a key), the navigation and
 * the pages. Routes live in the URL's hash (`#/executions/…`), a page's view as a query inside it
 * (`#/executions?status=Failed`, see hash-location.ts), so links can be shared and the build works
 * under any mount path.
 */
import { useEffect, useState } from 'preact/hooks';
import { Link, Route, Router, Switch, useLocation } from 'wouter-preact';
import { onSessionChange, sessionState, storeKey } from './api/session.js';
import { KeyPrompt } from './components/key-prompt.js';
import { useHashRoute } from './hash-location.js';
import { CronDetailPage } from './pages/cron-detail.js';
import { CronPage } from './pages/cron.js';
import { ExecutionDetailPage } from './pages/execution-detail.js';
import { ExecutionsPage } from './pages/executions.js';
import { OverviewPage } from './pages/overview.js';
import { TriggerDetailPage } from './pages/trigger-detail.js';
import { TriggersPage } from './pages/triggers.js';
import { WorkflowDetailPage } from './pages/workflow-detail.js';
import { WorkflowsPage } from './pages/workflows.js';
import { checkSession } from './session-check.js';

const NAV = [
  { href: '/', label: 'Overview' },
  { href: '/executions', label: 'Executions' },
  { href: '/workflows', label: 'Workflows' },
  { href: '/triggers', label: 'Triggers' },
  { href: '/cron', label: 'Cron' },
] as const;

function useSession() {
  const [state, setState] = useState(sessionState());
  useEffect(() => onSessionChange(() => setState(sessionState())), []);
  return state;
}

function Nav() {
  const [location] = useLocation();
  const session = sessionState();
  return (
    <header class="topbar">
      <a class="brand" href="#/">
        Cloacina
      </a>
      <nav aria-label="Main">
        {NAV.map((item) => {
          const current = item.href === '/' ? location === '/' : location.startsWith(item.href);
          return (
            <Link key={item.href} href={item.href} aria-current={current ? 'page' : undefined}>
              {item.label}
            </Link>
          );
        })}
      </nav>
      {session.kind === 'ready' && (
        <span class="session">
          <span class="muted" title="The scope of this session's API key">
            {session.auth === 'none'
              ? 'no keys (local)'
              : `${session.name ?? 'key'} · ${session.scope}`}
          </span>
          {session.auth === 'keys' && (
            <button
              type="button"
              class="btn btn-plain btn-small"
              onClick={() => {
                storeKey(null);
                void checkSession();
              }}
            >
              Sign out
            </button>
          )}
        </span>
      )}
    </header>
  );
}

/** The whole app. */
export function App() {
  const session = useSession();
  useEffect(() => {
    void checkSession();
  }, []);
  if (session.kind === 'checking') return <main class="loading">Loading…</main>;
  if (session.kind === 'needKey') {
    return <KeyPrompt message={session.message} onSubmit={() => void checkSession()} />;
  }
  return (
    <Router hook={useHashRoute}>
      <Nav />
      <main class="page">
        <Switch>
          <Route path="/" component={OverviewPage} />
          <Route path="/executions" component={ExecutionsPage} />
          <Route path="/executions/:id">
            {/* A new id is a new page: nothing of the previous execution shows under it. */}
            {(params) => <ExecutionDetailPage key={params.id} id={params.id} />}
          </Route>
          <Route path="/workflows" component={WorkflowsPage} />
          <Route path="/workflows/:name">
            {(params) => <WorkflowDetailPage name={params.name} />}
          </Route>
          <Route path="/triggers" component={TriggersPage} />
          <Route path="/triggers/:name">
            {(params) => <TriggerDetailPage name={params.name} />}
          </Route>
          <Route path="/cron" component={CronPage} />
          <Route path="/cron/:id">{(params) => <CronDetailPage id={params.id} />}</Route>
          <Route>
            <h1>Not found</h1>
            <p>
              <a href="#/">Back to the overview</a>
            </p>
          </Route>
        </Switch>
      </main>
    </Router>
  );
}
