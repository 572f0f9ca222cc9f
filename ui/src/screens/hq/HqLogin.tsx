// The head office's login: username and password, and the chain's single sign-on when
// the cloud offers one (GET /hq/v1/auth/providers). After the identity provider the
// browser comes back to `/hq/#login=<one-time code>`: the code is traded for the tokens
// (POST /hq/v1/auth/oidc/complete) and taken out of the address bar at once.
import { useEffect, useState } from "react";
import { hqApi, HqError, type HqProviders } from "../../api/hq";
import { errorText } from "../../lib/errors";
import type { Key } from "../../lib/i18n";
import { fill } from "../../lib/i18nHq";
import { duration } from "../ReportView";

/** The one-time code of `#login=…`, taken out of the address bar (and the history). */
export function takeLoginCode(): string | null {
  const match = /(?:^#|&)login=([^&]+)/.exec(window.location.hash);
  if (!match) return null;
  history.replaceState(history.state, "", window.location.pathname + window.location.search);
  return decodeURIComponent(match[1]);
}

// A code is good once: the same completion for every mount that asks (React mounts
// twice in development).
const completions = new Map<string, Promise<void>>();
function completeOnce(code: string): Promise<void> {
  let p = completions.get(code);
  if (!p) {
    p = hqApi.complete(code);
    completions.set(code, p);
  }
  return p;
}
let pendingCode: string | null = null;

/** A refusal in words, with how long a lock lasts when the cloud says. */
function refusal(err: unknown, t: (k: Key) => string, lang: "id" | "en"): string {
  const text = err instanceof HqError && err.code === "offline" ? t("hqOfflineLogin") : errorText(err, t);
  if (err instanceof HqError && err.retryAfterSeconds && (err.code === "account_locked" || err.code === "rate_limited")) {
    return `${text} ${fill(t("hqTryAgainIn"), { wait: duration(Math.max(60, err.retryAfterSeconds), lang) })}`;
  }
  return text;
}

export function HqLogin(props: { t: (k: Key) => string; lang: "id" | "en"; toggle: () => void; notice?: string | null; onLogin: () => void }) {
  const { t, lang, onLogin } = props;
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [providers, setProviders] = useState<HqProviders>({ oidc: null });
  const [completing, setCompleting] = useState(() => {
    pendingCode = pendingCode ?? takeLoginCode();
    return pendingCode !== null;
  });

  useEffect(() => {
    let live = true;
    void hqApi.providers().then((p) => live && setProviders(p));
    return () => {
      live = false;
    };
  }, []);

  useEffect(() => {
    const code = pendingCode;
    if (!code) return;
    let live = true;
    completeOnce(code).then(
      () => {
        pendingCode = null;
        if (live) onLogin();
      },
      (e) => {
        pendingCode = null;
        if (!live) return;
        setCompleting(false);
        setError(refusal(e, t, lang));
      },
    );
    return () => {
      live = false;
    };
    // Once per mount: the code is pendingCode's, not the props'.
  }, []);

  return (
    <main className="login-screen hq-login">
      <form
        className="card login-card"
        aria-busy={completing}
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError(null);
          try {
            await hqApi.login(username, password);
            onLogin();
          } catch (err) {
            setError(refusal(err, t, lang));
          } finally {
            setBusy(false);
          }
        }}
      >
        <div className="brand big">
          <span className="brand-mark" aria-hidden="true">+</span>
          <span>Medicloud</span>
        </div>
        <h1>{t("hqLoginTitle")}</h1>
        {props.notice && <p className="banner">{props.notice}</p>}
        {completing ? (
          <p className="banner" role="status" data-testid="hq-completing">
            {t("hqCompleting")}
          </p>
        ) : (
          <>
            <label htmlFor="hq-username">{t("username")}</label>
            <input id="hq-username" value={username} onChange={(e) => setUsername(e.target.value)} autoComplete="username" required />
            <label htmlFor="hq-password">{t("password")}</label>
            <input id="hq-password" type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="current-password" required />
          </>
        )}
        {error && (
          <p className="form-error" role="alert" data-testid="hq-login-error">
            {error}
          </p>
        )}
        {!completing && (
          <>
            <button className="primary big" type="submit" disabled={busy} data-testid="hq-login">
              {t("login")}
            </button>
            {providers.oidc && (
              <>
                <p className="login-or" aria-hidden="true">
                  <span>{t("hqOr")}</span>
                </p>
                <a className="secondary big as-button" href={providers.oidc.start_url} data-testid="hq-sso">
                  {fill(t("hqSso"), { name: providers.oidc.name })}
                </a>
              </>
            )}
          </>
        )}
        <button type="button" className="link-button" onClick={props.toggle}>
          {t("language")}
        </button>
      </form>
    </main>
  );
}
