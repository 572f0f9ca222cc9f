// Pieces several screens share: the clock, service colours, the staff login.
import { useEffect, useState } from "react";
import { api, staffToken } from "../api/client";
import type { LoginResponse } from "../api/types";
import { clockDate, clockTime, useClinicTimeZone } from "../lib/clinicTime";
import { errorText } from "../lib/errors";
import type { Key } from "../lib/i18n";

const PALETTE = ["#0f766e", "#1d4ed8", "#b45309", "#7c3aed", "#be123c", "#047857", "#0369a1", "#a16207"];

/** A steady colour per service code, so a service looks the same on every screen. */
export function serviceColor(code: string): string {
  const known: Record<string, string> = { A: "#0f766e", B: "#1d4ed8", C: "#be185d", L: "#7c3aed", F: "#b45309" };
  if (known[code]) return known[code];
  let h = 0;
  for (const c of code) h = (h * 31 + c.charCodeAt(0)) % PALETTE.length;
  return PALETTE[h];
}

/** The time and day in the clinic's time zone (not the device's). */
export function Clock({ lang, big }: { lang: "id" | "en"; big?: boolean }) {
  const [now, setNow] = useState(() => new Date());
  const timeZone = useClinicTimeZone();
  useEffect(() => {
    const id = setInterval(() => setNow(new Date()), 1000);
    return () => clearInterval(id);
  }, []);
  return (
    <div className={big ? "clock big" : "clock"} aria-label="clock" data-time-zone={timeZone}>
      <span className="clock-time">{clockTime(now, timeZone, lang)}</span>
      <span className="clock-date">{clockDate(now, timeZone, lang)}</span>
    </div>
  );
}

/** An error in the screen's language (see lib/errors.ts). */
export { errorText };

/** A staff or device role in words (its name when it is not a known one). */
export function roleWords(role: string, t: (k: Key) => string): string {
  return t(`role_${role}` as Key) ?? role;
}

/** Staff login; calls `onLogin` with the session. A login with a temporary password
 * (after a reset) first asks for a new one. */
export function Login(props: { t: (k: Key) => string; onLogin: (s: LoginResponse) => void; notice?: string | null; toggle: () => void }) {
  const { t } = props;
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [pending, setPending] = useState<LoginResponse | null>(null);
  if (pending)
    return (
      <ChangePassword
        t={t}
        session={pending}
        current={password}
        onChanged={() => {
          staffToken.set(pending.token);
          props.onLogin({ ...pending, must_change_password: false });
        }}
      />
    );
  return (
    <main className="login-screen">
      <form
        className="card login-card"
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError(null);
          try {
            const session = await api("POST", "/api/v1/auth/login", { body: { username, password } });
            if (session.must_change_password) {
              setPending(session);
              return;
            }
            staffToken.set(session.token);
            props.onLogin(session);
          } catch (err) {
            setError(errorText(err, t));
          } finally {
            setBusy(false);
          }
        }}
      >
        <BigBrand />
        <h1>{t("loginTitle")}</h1>
        {props.notice && <p className="banner">{props.notice}</p>}
        <label htmlFor="username">{t("username")}</label>
        <input id="username" value={username} onChange={(e) => setUsername(e.target.value)} autoComplete="username" required />
        <label htmlFor="password">{t("password")}</label>
        <input
          id="password"
          type="password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          autoComplete="current-password"
          required
        />
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <button className="primary big" type="submit" disabled={busy} data-testid="login">
          {t("login")}
        </button>
        <button type="button" className="link-button" onClick={props.toggle}>
          {t("language")}
        </button>
      </form>
    </main>
  );
}

/** The new password a session that logged in with a temporary one must choose. */
export function ChangePassword(props: { t: (k: Key) => string; session: LoginResponse; current: string; onChanged: () => void }) {
  const { t } = props;
  const [next, setNext] = useState("");
  const [repeat, setRepeat] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <main className="login-screen">
      <form
        className="card login-card"
        data-testid="change-password"
        onSubmit={async (e) => {
          e.preventDefault();
          if (next !== repeat) {
            setError(t("passwordsDiffer"));
            return;
          }
          setBusy(true);
          setError(null);
          try {
            await api("POST", "/api/v1/auth/password", { token: props.session.token, body: { current: props.current, new: next } });
            props.onChanged();
          } catch (err) {
            setError(errorText(err, t));
          } finally {
            setBusy(false);
          }
        }}
      >
        <BigBrand />
        <h1>{t("changePasswordTitle")}</h1>
        <p className="banner">{t("changePasswordHint")}</p>
        <label htmlFor="new-password">{t("newPassword")}</label>
        <input id="new-password" type="password" value={next} onChange={(e) => setNext(e.target.value)} autoComplete="new-password" aria-describedby="new-password-hint" required />
        <label htmlFor="repeat-password">{t("repeatPassword")}</label>
        <input id="repeat-password" type="password" value={repeat} onChange={(e) => setRepeat(e.target.value)} autoComplete="new-password" required />
        <p id="new-password-hint" className="muted small-text">
          {t("passwordHint")}
        </p>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <button className="primary big" type="submit" disabled={busy} data-testid="change-password-submit">
          {t("changePassword")}
        </button>
      </form>
    </main>
  );
}

/** Logs staff off after `ms` without a touch or key (the node forgets the session too). */
export function useIdleLogoff(active: boolean, ms: number, logoff: () => void) {
  useEffect(() => {
    if (!active) return;
    let timer = setTimeout(logoff, ms);
    const reset = () => {
      clearTimeout(timer);
      timer = setTimeout(logoff, ms);
    };
    for (const e of ["pointerdown", "keydown"]) window.addEventListener(e, reset);
    return () => {
      clearTimeout(timer);
      for (const e of ["pointerdown", "keydown"]) window.removeEventListener(e, reset);
    };
  }, [active, ms, logoff]);
}

/** The product's mark and name, large, at the top of the login forms. */
function BigBrand() {
  return (
    <div className="brand big">
      <span className="brand-mark" aria-hidden="true">+</span>
      <span>Medicloud</span>
    </div>
  );
}
