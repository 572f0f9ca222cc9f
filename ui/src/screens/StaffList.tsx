// The admin's staff list: each account with its role, and the machines its logins are
// refused from after too many failed logins there (from every other machine it still
// logs in; a lock ends by itself or when the admin lifts it). With actions: edit the
// name and role, disable and enable, reset the password (the temporary one is shown
// once, with a copy button), lift the login locks.
import { useState } from "react";
import type { LoginLock, PasswordReset, StaffAccount, StaffChange, StaffRole } from "../api/types";
import type { Key } from "../lib/i18n";
import { useSubmit } from "./AdminForms";
import { roleWords } from "./common";

/** A lock in words: the machine and the minutes left, e.g. "Login locked from 10.0.0.66 · 14 min left". */
export function lockWords(lock: LoginLock, t: (k: Key) => string): string {
  const minutes = Math.max(1, Math.ceil(lock.seconds_left / 60));
  return `${t("loginLockedFrom")} ${lock.address ?? t("unknownAddress")} · ${minutes} ${t("minutesLeft")}`;
}

/** What the admin can do to an account; each resolves when the node has done it. */
export type StaffActions = {
  update: (id: string, change: StaffChange) => Promise<unknown>;
  resetPassword: (id: string) => Promise<PasswordReset>;
  unlock: (id: string) => Promise<unknown>;
};

export function StaffList({ staff, t, me, actions }: { staff: StaffAccount[]; t: (k: Key) => string; me?: string; actions?: StaffActions }) {
  const [reset, setReset] = useState<{ username: string; password: string } | null>(null);
  return (
    <>
      {reset && <TemporaryPassword {...reset} t={t} onClose={() => setReset(null)} />}
      <ul className="plain-list staff-list" data-testid="staff-list">
        {staff.map((u) => (
          <StaffRow key={u.id} u={u} t={t} self={u.username === me} actions={actions} onReset={(password) => setReset({ username: u.username, password })} />
        ))}
      </ul>
    </>
  );
}

function StaffRow(props: { u: StaffAccount; t: (k: Key) => string; self: boolean; actions?: StaffActions; onReset: (password: string) => void }) {
  const { u, t, self, actions } = props;
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(u.display_name);
  const [role, setRole] = useState<StaffRole>(u.role);
  const [confirmReset, setConfirmReset] = useState(false);
  const { submit: run, busy, shown, clear } = useSubmit(t);
  return (
    <li className={u.active ? "staff-row" : "staff-row staff-disabled"} data-testid={`staff-${u.username}`}>
      <div className="row spread">
        <span>
          <strong>{u.display_name}</strong> <span className="muted">{u.username}</span> <span className="pill">{roleWords(u.role, t)}</span>
          {!u.active && <span className="pill warn">{t("staffDisabled")}</span>}
          {self && <span className="pill">{t("staffYou")}</span>}
        </span>
        {actions && !editing && (
          <span className="row staff-actions">
            <button className="link-button" disabled={busy} onClick={() => setEditing(true)} data-testid="staff-edit">
              {t("edit")}
            </button>
            {!self && (
              <button className="link-button" disabled={busy} onClick={() => void run(() => actions.update(u.id, { active: !u.active }))} data-testid="staff-toggle">
                {u.active ? t("staffDisable") : t("staffEnable")}
              </button>
            )}
            {!self && (
              <button className="link-button" disabled={busy} onClick={() => setConfirmReset(true)} data-testid="staff-reset">
                {t("staffResetPassword")}
              </button>
            )}
            {u.login_locks.length > 0 && (
              <button className="link-button" disabled={busy} onClick={() => void run(() => actions.unlock(u.id))} data-testid="staff-unlock">
                {t("staffUnlock")}
              </button>
            )}
          </span>
        )}
      </div>
      {u.login_locks.map((lock) => (
        <span key={lock.address ?? ""} className="pill warn login-lock" title={t("loginLockHint")} data-testid="login-lock">
          {lockWords(lock, t)}
        </span>
      ))}
      {actions && editing && (
        <form
          className="row staff-edit"
          onSubmit={async (e) => {
            e.preventDefault();
            const change: StaffChange = { name };
            if (role !== u.role) change.role = role;
            if (await run(() => actions.update(u.id, change))) setEditing(false);
          }}
        >
          <input aria-label={t("name")} value={name} onChange={(e) => setName(e.target.value)} data-testid="staff-name" />
          <select aria-label={t("role")} value={role} disabled={self} onChange={(e) => setRole(e.target.value as StaffRole)} data-testid="staff-role">
            <option value="desk">{t("role_desk")}</option>
            <option value="clinician">{t("role_clinician")}</option>
            <option value="admin">{t("role_admin")}</option>
          </select>
          <button className="primary" type="submit" disabled={busy}>
            {t("save")}
          </button>
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setEditing(false);
              setName(u.display_name);
              setRole(u.role);
              clear();
            }}
          >
            {t("dismiss")}
          </button>
        </form>
      )}
      {actions && confirmReset && (
        <div className="confirm" role="group" aria-label={t("staffResetPassword")}>
          <span>{t("staffResetConfirm").replace("{name}", u.username)}</span>
          <button
            className="primary"
            disabled={busy}
            data-testid="staff-reset-confirm"
            onClick={async () => {
              let password = "";
              if (await run(async () => (password = (await actions.resetPassword(u.id)).temporary_password))) {
                setConfirmReset(false);
                props.onReset(password);
              }
            }}
          >
            {t("staffResetPassword")}
          </button>
          <button className="secondary" onClick={() => setConfirmReset(false)}>
            {t("dismiss")}
          </button>
        </div>
      )}
      {shown}
    </li>
  );
}

/** The temporary password after a reset: shown this once, with a copy button. */
function TemporaryPassword({ username, password, t, onClose }: { username: string; password: string; t: (k: Key) => string; onClose: () => void }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="banner banner-ok temporary-password" role="status" data-testid="temporary-password">
      <p>
        {t("staffTemporaryFor")} <strong>{username}</strong>:
      </p>
      <p className="row">
        <code className="big-code" data-testid="temporary-password-value">
          {password}
        </code>
        <button
          className="secondary"
          onClick={() =>
            navigator.clipboard?.writeText(password).then(
              () => setCopied(true),
              () => setCopied(false),
            )
          }
          data-testid="temporary-password-copy"
        >
          {copied ? t("copied") : t("copy")}
        </button>
        <button className="link-button" onClick={onClose}>
          {t("close")}
        </button>
      </p>
      <p className="muted small-text">{t("staffTemporaryHint")}</p>
    </div>
  );
}
