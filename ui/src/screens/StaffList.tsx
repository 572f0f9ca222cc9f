// The admin's staff list: each account with its role, and the machines its logins are
// refused from after too many failed logins there (from every other machine it still
// logs in; a lock ends by itself).
import type { LoginLock, StaffAccount } from "../api/types";
import type { Key } from "../lib/i18n";
import { roleWords } from "./common";

/** A lock in words: the machine and the minutes left, e.g. "Login locked from 10.0.0.66 · 14 min left". */
export function lockWords(lock: LoginLock, t: (k: Key) => string): string {
  const minutes = Math.max(1, Math.ceil(lock.seconds_left / 60));
  return `${t("loginLockedFrom")} ${lock.address ?? t("unknownAddress")} · ${minutes} ${t("minutesLeft")}`;
}

export function StaffList({ staff, t }: { staff: StaffAccount[]; t: (k: Key) => string }) {
  return (
    <ul className="plain-list" data-testid="staff-list">
      {staff.map((u) => (
        <li key={u.id}>
          <strong>{u.display_name}</strong> <span className="muted">{u.username}</span> <span className="pill">{roleWords(u.role, t)}</span>
          {u.login_locks.map((lock) => (
            <span key={lock.address ?? ""} className="pill warn login-lock" title={t("loginLockHint")} data-testid="login-lock">
              {lockWords(lock, t)}
            </span>
          ))}
        </li>
      ))}
    </ul>
  );
}
