// The audit trail's actions and configuration changes in words, for the node's admin
// trail (AuditTrail.tsx) and the head office's (hq/HqAudit.tsx): both list the rows
// of one derivation (medicloud_core::audit), so they say them alike.
import type { Key } from "../lib/i18n";
import { roleWords } from "./common";

/** The actions staff look for most, in the order the filter offers them. */
export const COMMON_ACTIONS = [
  "login",
  "login_failed",
  "login_refused_locked",
  "account_locked",
  "address_locked",
  "login_unlocked",
  "break_glass",
  "patient_search",
  "appointments_read",
  "patient_set",
  "appointment_booked",
  "appointment_cancelled",
  "issue",
  "call",
  "recall",
  "serve",
  "complete",
  "no-show",
  "requeue",
  "cancel",
  "transfer",
  "advance",
  "clinic_set",
  "service_set",
  "counter_set",
  "staff_set",
  "device_set",
  "label_authority_claimed",
  "label_authority_withdrawn",
  "desk_reserve_set",
] as const;

/** The action in words, or its name when it is not a common one. */
export function actionWords(action: string, t: (k: Key) => string): string {
  return (COMMON_ACTIONS as readonly string[]).includes(action) ? t(`act_${action.replace("-", "_")}` as Key) : action;
}

/** The codes of a configuration change the screens have words for. */
const CHANGES = ["created", "registered", "name", "role", "disabled", "enabled", "password_reset", "password_changed", "revoked", "token_renewed", "closed", "opened", "services", "time_zone", "ticket_message", "new_label_on_transfer", "new_label_per_step", "language"];

/** A change in words: `disabled` → "dinonaktifkan", `role:admin` → "peran Admin",
 * `services:A,B` → "melayani A, B"; a code this screen does not know as it is. */
export function changeWords(change: string, t: (k: Key) => string): string {
  const [code, value] = change.split(/:(.*)/s);
  if (!CHANGES.includes(code)) return change;
  const words = t(`chg_${code}` as Key);
  if (value === undefined) return words;
  if (code === "role") return `${words} ${roleWords(value, t)}`;
  if (code === "services") return `${words} ${value.split(",").join(", ")}`;
  return `${words} ${value}`;
}

