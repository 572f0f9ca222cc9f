// The chain head office's screens, served by the cloud under /hq: the login, then the
// chain overview (/hq), one clinic (/hq/clinics/{id}?date=), the reports
// (/hq/reports?clinic=) and the audit trail (/hq/audit?clinic=: auditors, who land
// there, and the chain's admin), under one header with the account, the language and
// logout.
// The clinics are the cloud's answer (GET /hq/v1/clinics: a manager's own only), kept
// live by one event stream for every page.
import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError } from "../../api/client";
import { freshToken, hqApi, hqSession, type ClinicOverview, type HqMe } from "../../api/hq";
import { errorText } from "../../lib/errors";
import { useHqLive, type HqLiveMessage } from "../../lib/hqLive";
import { useLang, type Key } from "../../lib/i18n";
import { roleWords } from "../common";
import { ClinicView } from "./ClinicView";
import { HqAudit } from "./HqAudit";
import { HqLogin } from "./HqLogin";
import { HqReports } from "./HqReports";
import { Overview } from "./Overview";
import { LiveBadge, useNow, type SeenOverview } from "./parts";

type Route = { page: "overview" } | { page: "clinic"; id: string; date: string | null } | { page: "reports"; clinic: string | null } | { page: "audit"; clinic: string | null };

/** The roles that read the audit trail (`read_audit` in the cloud's permission table). */
const READS_AUDIT = ["auditor", "chain_admin"];

/** The page of an address under /hq. */
export function routeOf(path: string, search: string): Route {
  const query = new URLSearchParams(search);
  const clinic = /^\/hq\/clinics\/([^/]+)\/?$/.exec(path);
  if (clinic) return { page: "clinic", id: decodeURIComponent(clinic[1]), date: query.get("date") };
  if (/^\/hq\/reports\/?$/.test(path)) return { page: "reports", clinic: query.get("clinic") };
  if (/^\/hq\/audit\/?$/.test(path)) return { page: "audit", clinic: query.get("clinic") };
  return { page: "overview" };
}

export function Hq() {
  const { t, lang, toggle } = useLang();
  const [token, setToken] = useState<string | null>(() => hqSession.token());
  const [notice, setNotice] = useState<string | null>(null);
  const leaving = useRef(false);
  useEffect(
    () =>
      hqSession.subscribe((s) => {
        setToken(s?.access ?? null);
        if (!s && !leaving.current) setNotice(t("hqSessionEnded"));
        leaving.current = false;
      }),
    [t],
  );
  if (!token)
    return (
      <HqLogin
        t={t}
        lang={lang}
        toggle={toggle}
        notice={notice}
        onLogin={() => {
          setNotice(null);
          setToken(hqSession.token());
        }}
      />
    );
  return (
    <HqShell
      token={token}
      t={t}
      lang={lang}
      toggle={toggle}
      logout={() => {
        leaving.current = true;
        void hqApi.logout();
      }}
    />
  );
}

function HqShell({ token, t, lang, toggle, logout }: { token: string; t: (k: Key) => string; lang: "id" | "en"; toggle: () => void; logout: () => void }) {
  const [route, setRoute] = useState<Route>(() => routeOf(window.location.pathname, window.location.search));
  const [me, setMe] = useState<HqMe | null>(null);
  const [rows, setRows] = useState<SeenOverview[] | null>(null);
  const [forbidden, setForbidden] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const now = useNow(15_000);

  const go = useCallback((href: string, replace = false) => {
    if (replace) history.replaceState(null, "", href);
    else history.pushState(null, "", href);
    setRoute(routeOf(window.location.pathname, window.location.search));
    if (!replace) document.documentElement.scrollTop = 0;
  }, []);
  useEffect(() => {
    const back = () => setRoute(routeOf(window.location.pathname, window.location.search));
    window.addEventListener("popstate", back);
    return () => window.removeEventListener("popstate", back);
  }, []);

  const fail = useCallback(
    (e: unknown) => {
      if (e instanceof ApiError && e.status === 401) return; // the login is over: the login screen says so
      setMessage(e instanceof ApiError && e.code === "offline" ? t("hqOffline") : errorText(e, t));
    },
    [t],
  );
  const auditor = me?.role === "auditor";
  const readsAudit = me !== null && READS_AUDIT.includes(me.role);
  const load = useCallback(() => {
    // An auditor sees no overview: the trail is its page.
    if (auditor) return;
    hqApi.clinics().then(
      (list) => {
        const at = Date.now();
        setRows(list.map((r) => ({ ...r, receivedAt: at })));
        setForbidden(false);
        setMessage(null);
      },
      (e: unknown) => {
        if (e instanceof ApiError && e.status === 403) setForbidden(true);
        else fail(e);
      },
    );
  }, [fail, auditor]);
  // Again every minute besides the live rows: the cloud sends a row when a clinic's
  // events arrive, and a quiet clinic's devices go on syncing (their last-heard times
  // move on without an event).
  useEffect(() => {
    load();
    const id = setInterval(load, 60_000);
    return () => clearInterval(id);
  }, [load]);
  useEffect(() => {
    hqApi.me().then(setMe, fail);
  }, [fail]);
  // An auditor lands on the trail, whatever address it logged in at.
  useEffect(() => {
    if (auditor && route.page !== "audit") go("/hq/audit", true);
  }, [auditor, route.page, go]);

  // Refresh the token before it runs out, so the screen (on a wall, say) stays live.
  useEffect(() => {
    const s = hqSession.get();
    if (!s) return;
    const id = setTimeout(() => void freshToken().catch(() => undefined), Math.max(1000, s.expiresAt - Date.now() - 25_000));
    return () => clearTimeout(id);
  }, [token]);

  const known = useRef<SeenOverview[] | null>(null);
  known.current = rows;
  const onLive = useCallback(
    (m: HqLiveMessage) => {
      if (m.type === "resync") return load();
      const row: SeenOverview = { ...(m.clinic as ClinicOverview), receivedAt: Date.now() };
      // A clinic this screen did not have: the list is the cloud's to give.
      if (!known.current?.some((r) => r.id === row.id)) return load();
      setRows((list) => list && list.map((r) => (r.id === row.id ? row : r)));
    },
    [load],
  );
  const live = useHqLive(forbidden || auditor ? null : token, onLive);

  const nav = (href: string, label: string, active: boolean, className = `tab${active ? " active" : ""}`) => (
    <a
      href={href}
      className={className}
      aria-current={active ? "page" : undefined}
      onClick={(e) => {
        if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
        e.preventDefault();
        go(href);
      }}
    >
      {label}
    </a>
  );

  return (
    <div className="hq" data-testid="hq">
      <header className="desk-bar hq-bar">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">+</span>
          <span>
            Medicloud <span className="brand-sub">· {t("hqTitle")}</span>
          </span>
        </div>
        <nav className="tabs" aria-label={t("hqMainNav")}>
          {!auditor && nav("/hq", t("hqNavOverview"), route.page === "overview" || route.page === "clinic")}
          {!auditor && nav("/hq/reports", t("reports"), route.page === "reports")}
          {readsAudit && nav("/hq/audit", t("auditTrail"), route.page === "audit")}
        </nav>
        <div className="hq-account" aria-label={t("hqAccount")}>
          {!forbidden && !auditor && <LiveBadge live={live} t={t} />}
          {me && (
            <span className="hq-me" data-testid="hq-me">
              <strong>{me.username}</strong>
              <span className="pill">{roleWords(me.role, t)}</span>
            </span>
          )}
          <button type="button" className="secondary" onClick={toggle}>
            {t("language")}
          </button>
          <button type="button" className="secondary" onClick={logout} data-testid="hq-logout">
            {t("logout")}
          </button>
        </div>
      </header>
      {message && (
        <p className="banner banner-error" role="alert" data-testid="hq-error">
          {message}
        </p>
      )}
      <main className="hq-main">
        {route.page === "audit" && readsAudit ? (
          <HqAudit clinic={route.clinic} setClinic={(id) => go(id ? `/hq/audit?clinic=${encodeURIComponent(id)}` : "/hq/audit", true)} t={t} lang={lang} fail={fail} />
        ) : auditor || (me === null && forbidden) ? (
          <p className="muted">{t("hqLoading")}</p>
        ) : forbidden ? (
          <p className="banner" data-testid="hq-forbidden">
            {t("hqAuditorOnly")}
          </p>
        ) : rows === null ? (
          <p className="muted">{t("hqLoading")}</p>
        ) : route.page === "clinic" ? (
          <>
            {nav("/hq", t("hqBack"), false, "back-link")}
            <ClinicView
              id={route.id}
              row={rows.find((r) => r.id === route.id)}
              date={route.date}
              setDate={(date) => go(`/hq/clinics/${encodeURIComponent(route.id)}${date ? `?date=${date}` : ""}`, true)}
              now={now}
              t={t}
              lang={lang}
              fail={fail}
            />
          </>
        ) : route.page === "reports" ? (
          <HqReports rows={rows} clinic={route.clinic} setClinic={(id) => go(`/hq/reports?clinic=${encodeURIComponent(id)}`, true)} t={t} lang={lang} fail={fail} />
        ) : (
          <Overview rows={rows} now={now} t={t} lang={lang} open={go} />
        )}
      </main>
    </div>
  );
}
