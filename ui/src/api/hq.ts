// The head office's client of the cloud's `/hq/v1` API: the types, typed by hand from
// the cloud's Rust structs (cloud/src/hq/auth.rs, clinics.rs, overview.rs,
// storage/mod.rs, audit.rs; an audit row is the node's generated `AuditRow`, one Rust
// struct for both), the login tokens kept in sessionStorage, refreshed before they
// expire and on a 401 `token_expired`, and errors as ApiError with the cloud's code.
import { ApiError, queryString, requestLanguage, type ErrorCode } from "./client";
import type { AuditRow, ReportSummary, VisitStep } from "./types";

export type { ReportSummary };

/** `HqRole`: who a chain staff member is. */
export type HqRole = "chain_admin" | "clinic_manager" | "auditor";

/** `auth::Tokens`: what a login, an SSO completion or a refresh gives. */
export interface HqTokens {
  access_token: string;
  /** Good for one refresh: the next one comes with the new access token. */
  refresh_token: string;
  /** Seconds the access token lives. */
  expires_in: number;
}

/** `auth::Me`: the caller's own account. */
export interface HqMe {
  username: string;
  role: HqRole;
  /** The clinics on the account (a clinic_manager sees these only; the server filters). */
  clinics: string[];
}

/** `overview::DeviceSeen`: a device and when the cloud last heard from it. */
export interface DeviceSeen {
  id: string;
  name: string;
  /** Its last sync round (ms since the epoch); null if it never synced. */
  last_seen_ms: number | null;
}

/** `overview::ClinicOverview`: one clinic at a glance. */
export interface ClinicOverview {
  id: string;
  name: string;
  /** Its service day now (clinic-local), `YYYY-MM-DD`, which the figures count. */
  today: string;
  time_zone: string;
  waiting: number;
  /** The longest current wait, in seconds (0 when nobody waits). */
  longest_wait_seconds: number;
  served_today: number;
  no_show_today: number;
  devices: DeviceSeen[];
}

export type HqTicketStatus = "waiting" | "called" | "serving" | "done" | "no_show" | "cancelled" | "transferred";

/** `clinics::HqTicket`: a ticket as the HQ's read-only queues show it (no patient data). */
export interface HqTicket {
  id: string;
  label: string;
  service: string;
  step: string | null;
  status: HqTicketStatus;
  counter: string | null;
  issued_at_ms: number;
  queued_at_ms: number;
  called_at_ms: number | null;
  finished_at_ms: number | null;
  appointment: boolean;
}

/** `storage::DeviceRow`: a clinic's enrolled device. */
export interface HqDevice {
  id: string;
  clinic: string;
  name: string;
  slot: number;
  revoked: boolean;
}

/** `projection::Configuration`: a clinic's services and counters as its nodes set them
 * up (`domain::Service`, `domain::Counter`), for the names the screens show. */
export interface HqConfiguration {
  services: { code: string; name_id: string; name_en: string; active: boolean; steps?: VisitStep[]; target_wait_minutes: number }[];
  counters: { id: string; name: string; services: string[]; steps?: string[] }[];
}

/** `GET /hq/v1/auth/providers`: the single sign-on the cloud offers, if any. */
export interface HqProviders {
  oidc: null | { name: string; start_url: string };
}

/** A refusal of the cloud; `retryAfterSeconds` from a 429's `Retry-After`. */
export class HqError extends ApiError {
  constructor(
    status: number,
    code: ErrorCode,
    message: string,
    public retryAfterSeconds: number | null = null,
  ) {
    super(status, code, message);
  }
}

// ---------------------------------------------------------------------------------
// The login, kept for this tab only.

const SESSION_KEY = "medicloud.hq.session";
/** Refresh this long before the access token expires. */
const EARLY_MS = 30_000;

interface Session {
  access: string;
  refresh: string;
  /** When the access token expires, by this browser's clock (ms). */
  expiresAt: number;
}

const listeners = new Set<(s: Session | null) => void>();

function read(): Session | null {
  try {
    const s = JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? "null") as Session | null;
    return s && typeof s.access === "string" && typeof s.refresh === "string" ? s : null;
  } catch {
    return null;
  }
}

export const hqSession = {
  get: read,
  /** The access token, or null when logged out. */
  token: () => read()?.access ?? null,
  /** Keeps a login's tokens (the refresh token replaces the used one). */
  keep(tokens: HqTokens) {
    const s: Session = { access: tokens.access_token, refresh: tokens.refresh_token, expiresAt: Date.now() + tokens.expires_in * 1000 };
    sessionStorage.setItem(SESSION_KEY, JSON.stringify(s));
    listeners.forEach((l) => l(s));
  },
  clear() {
    const had = read() !== null;
    sessionStorage.removeItem(SESSION_KEY);
    if (had) listeners.forEach((l) => l(null));
  },
  /** Calls `listener` on every new token and on the end of the login; returns the unsubscribe. */
  subscribe(listener: (s: Session | null) => void) {
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  },
};

// ---------------------------------------------------------------------------------
// Requests.

async function send(method: "GET" | "POST", path: string, init: { token?: string | null; body?: unknown; query?: object } = {}): Promise<Response> {
  const headers: Record<string, string> = { "accept-language": requestLanguage() };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.body !== undefined) headers["content-type"] = "application/json";
  const q = queryString(init.query);
  let res: Response;
  try {
    res = await fetch(q ? `${path}?${q}` : path, { method, headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  } catch {
    throw new HqError(0, "offline", "the cloud cannot be reached");
  }
  if (!res.ok) {
    const text = await res.text().catch(() => "");
    let e: { code?: unknown; message?: unknown } | undefined;
    try {
      e = text ? JSON.parse(text) : undefined;
    } catch {
      e = undefined; // not the cloud's answer (a proxy's page, say)
    }
    const retry = Number(res.headers.get("retry-after"));
    throw new HqError(
      res.status,
      (typeof e?.code === "string" ? e.code : "unknown") as ErrorCode,
      typeof e?.message === "string" ? e.message : res.statusText,
      Number.isFinite(retry) && retry > 0 ? retry : null,
    );
  }
  return res;
}

async function json<T>(res: Response): Promise<T> {
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

let refreshing: Promise<string> | null = null;

/** Trades the refresh token for new tokens now: one refresh at a time (a refresh token
 * presented twice revokes the login), every caller waiting on the same one. */
export function refreshNow(): Promise<string> {
  if (!refreshing) {
    const s = read();
    refreshing = (async () => {
      if (!s) throw new HqError(401, "unauthorized", "not logged in");
      try {
        const tokens = await json<HqTokens>(await send("POST", "/hq/v1/auth/refresh", { body: { refresh_token: s.refresh } }));
        hqSession.keep(tokens);
        return tokens.access_token;
      } catch (e) {
        // Offline: keep the login and try again later; refused: the login is over.
        if (!(e instanceof HqError && e.code === "offline")) hqSession.clear();
        throw e;
      }
    })().finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

/** An access token good for a while yet (refreshed first when it is about to expire). */
export async function freshToken(): Promise<string> {
  if (refreshing) return refreshing;
  const s = read();
  if (!s) throw new HqError(401, "unauthorized", "not logged in");
  return s.expiresAt - Date.now() > EARLY_MS ? s.access : refreshNow();
}

/** A request with the login's access token: refreshed and sent again once on a 401
 * `token_expired`; any other 401 ends the login. */
async function authed(method: "GET" | "POST", path: string, init: { body?: unknown; query?: object } = {}): Promise<Response> {
  try {
    return await send(method, path, { ...init, token: await freshToken() });
  } catch (e) {
    if (!(e instanceof HqError) || e.status !== 401) throw e;
    if (e.code !== "token_expired") {
      hqSession.clear();
      throw e;
    }
    return send(method, path, { ...init, token: await refreshNow() });
  }
}

const get = async <T>(path: string, query?: object) => json<T>(await authed("GET", path, { query }));

/** `audit::HqAuditRow`: a line of a clinic's trail as its node gives it, and the clinic. */
export type HqAuditRow = AuditRow & { clinic: string; clinic_name: string; actor_name: string | null };

/** `storage::ClinicEntry`: a clinic whose trail the caller reads. */
export interface HqAuditClinic {
  id: string;
  name: string;
  time_zone: string;
}

/** The trail's query (`clinic` left out: every clinic the caller reads). */
export interface HqAuditQuery {
  clinic?: string;
  action?: string;
  actor?: string;
  since_ms?: number;
  limit?: number;
  /** Older than this entry, `<device>:<seq>` (the last row shown: "load more"). */
  before?: string;
}

/** The report's query: which clinic, which days. */
export interface ReportQuery {
  clinic: string;
  from: string;
  to: string;
}

export const hqApi = {
  /** The single sign-on on offer (none when the cloud does not say). */
  providers: async (): Promise<HqProviders> => {
    try {
      const p = await json<HqProviders>(await send("GET", "/hq/v1/auth/providers"));
      return p && typeof p === "object" ? { oidc: p.oidc ?? null } : { oidc: null };
    } catch {
      return { oidc: null };
    }
  },
  login: async (username: string, password: string) => {
    hqSession.keep(await json<HqTokens>(await send("POST", "/hq/v1/auth/login", { body: { username, password } })));
  },
  /** Completes a single sign-on with the one-time code the cloud put in `#login=`. */
  complete: async (code: string) => {
    hqSession.keep(await json<HqTokens>(await send("POST", "/hq/v1/auth/oidc/complete", { body: { code } })));
  },
  /** Ends the login on the cloud (its refresh chain is revoked) and here. */
  logout: async () => {
    const token = hqSession.token();
    hqSession.clear();
    if (token) await send("POST", "/hq/v1/auth/logout", { token }).catch(() => undefined);
  },
  me: () => get<HqMe>("/hq/v1/me"),
  clinics: () => get<ClinicOverview[]>("/hq/v1/clinics"),
  tickets: (clinic: string, date: string) => get<HqTicket[]>(`/hq/v1/clinics/${encodeURIComponent(clinic)}/tickets`, { date }),
  devices: (clinic: string) => get<HqDevice[]>(`/hq/v1/clinics/${encodeURIComponent(clinic)}/devices`),
  configuration: (clinic: string) => get<HqConfiguration>(`/hq/v1/clinics/${encodeURIComponent(clinic)}/configuration`),
  summary: (q: ReportQuery) => get<ReportSummary>("/hq/v1/reports/summary", q),
  audit: (q: HqAuditQuery) => get<HqAuditRow[]>("/hq/v1/audit", q),
  auditClinics: () => get<HqAuditClinic[]>("/hq/v1/audit/clinics"),
  /** The same report as a file (`csv` or `xlsx`). */
  download: async (q: ReportQuery, ext: "csv" | "xlsx") => (await authed("GET", `/hq/v1/reports/summary.${ext}`, { query: q })).blob(),
};

/** The live stream's address (EventSource sends no headers: the token rides in the query). */
export function hqEventsUrl(token: string): string {
  return `/hq/v1/events?access_token=${encodeURIComponent(token)}`;
}
