/**
 * @module web/app — the dashboard's frame: header with navigation and connection state, the current
 * page, and the token prompt when the gateway asks for one.
 */
import { useEffect, useRef } from "preact/hooks";
import { onUnauthorized } from "./api/client.js";
import { setToken } from "./api/token.js";
import { PAGES, href, useRoute } from "./route.js";
import { live, startLive, type Connection } from "./state/live-data.js";
import { useStore } from "./state/store.js";
import { TokenPrompt } from "./ui/token-prompt.js";
import { ActivityPage } from "./views/activity.js";
import { CamerasPage } from "./views/cameras.js";
import { ComposerPage } from "./composer/composer.js";
import { OverviewPage } from "./views/overview.js";
import { ResultsPage } from "./views/results.js";
import { ResourcesPage } from "./views/resources.js";

const CONNECTION_TEXT: Record<Connection, string> = {
  connecting: "Connecting…",
  live: "Live",
  polling: "Polling every 3 s (no event stream)",
  offline: "Offline",
};

function ConnectionBadge() {
  const connection = useStore(live, (s) => s.connection);
  return (
    <span class={`conn conn-${connection}`} role="status" aria-live="polite">
      <span class="dot" aria-hidden="true" />
      {CONNECTION_TEXT[connection]}
    </span>
  );
}

/** The whole page. */
export function App() {
  const { page, query } = useRoute();
  const needToken = useStore(live, (s) => s.needToken);
  const error = useStore(live, (s) => s.error);
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);

  useEffect(() => onUnauthorized(() => live.set({ needToken: true })), []);
  // moving between pages puts keyboard focus on the new page's heading, as a page load would
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.querySelector<HTMLElement>("h1")?.focus();
  }, [page]);

  return (
    <>
      <a class="skip" href="#main" inert={needToken} onClick={(e) => (e.preventDefault(), main.current?.focus())}>
        Skip to content
      </a>
      {/* while the token prompt is open the page behind it takes no focus or clicks */}
      <header class="top" inert={needToken}>
        <div class="brand">
          <img src="/favicon.svg" alt="" width="22" height="22" />
          framegate
        </div>
        <nav aria-label="Dashboard pages">
          <ul>
            {PAGES.map((p) => (
              <li key={p.id}>
                <a href={href(p.id)} aria-current={p.id === page ? "page" : undefined}>
                  {p.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="top-right">
          <ConnectionBadge />
          <button
            type="button"
            class="link"
            onClick={() => {
              setToken(undefined);
              live.set({ needToken: true });
            }}
          >
            Change token
          </button>
        </div>
      </header>
      {error && (
        <div class="banner error" role="alert">
          {error}
        </div>
      )}
      <main id="main" ref={main} tabIndex={-1} inert={needToken}>
        {page === "overview" && <OverviewPage />}
        {page === "cameras" && <CamerasPage />}
        {page === "activity" && <ActivityPage query={query} />}
        {page === "results" && <ResultsPage query={query} />}
        {page === "composer" && <ComposerPage query={query} />}
        {page === "resources" && <ResourcesPage />}
      </main>
      {needToken && <TokenPrompt onToken={() => void startLive()} />}
    </>
  );
}
