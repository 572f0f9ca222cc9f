// For the head office's tests: a cloud that answers fetch from a table of routes and
// keeps every request, and an EventSource the test speaks through.
import type { ClinicOverview } from "../../api/hq";

export interface Sent {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

type Answer = { status?: number; body?: unknown; headers?: Record<string, string>; blob?: string };
/** A route answers at once, or later (a promise) when a test orders the answers. */
export type Routes = Record<string, Answer | ((sent: Sent) => Answer | Promise<Answer>)>;

/** Stubs fetch with `routes` (keyed `METHOD /path`, the query left out); returns the requests. */
export function cloud(routes: Routes): Sent[] {
  const sent: Sent[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (url: string, init: RequestInit = {}) => {
      const s: Sent = { method: init.method ?? "GET", url, headers: (init.headers ?? {}) as Record<string, string>, body: init.body ? JSON.parse(String(init.body)) : undefined };
      sent.push(s);
      const route = routes[`${s.method} ${url.split("?")[0]}`];
      if (!route) return new Response(JSON.stringify({ code: "not_found", message: "no such route" }), { status: 404 });
      const a = typeof route === "function" ? await route(s) : route;
      const body = a.blob ?? (a.body === undefined ? "" : JSON.stringify(a.body));
      return new Response(a.status === 204 ? null : body, { status: a.status ?? 200, headers: a.headers });
    }),
  );
  return sent;
}

/** An EventSource whose events the test sends. */
export class FakeEventSource {
  static all: FakeEventSource[] = [];
  listeners: Record<string, ((e: MessageEvent) => void)[]> = {};
  onerror: (() => void) | null = null;
  closed = false;
  constructor(public url: string) {
    FakeEventSource.all.push(this);
  }
  addEventListener(name: string, fn: (e: MessageEvent) => void) {
    (this.listeners[name] ??= []).push(fn);
  }
  close() {
    this.closed = true;
  }
  emit(name: string, data: unknown = {}) {
    for (const fn of this.listeners[name] ?? []) fn(new MessageEvent(name, { data: JSON.stringify(data) }));
  }
  /** The stream open now. */
  static open(): FakeEventSource | undefined {
    return FakeEventSource.all.filter((s) => !s.closed).at(-1);
  }
}

/** Logged in: tokens in sessionStorage, as a login leaves them. */
export function loggedIn(access = "access-1", refresh = "refresh-1", expiresInMs = 300_000) {
  sessionStorage.setItem("medicloud.hq.session", JSON.stringify({ access, refresh, expiresAt: Date.now() + expiresInMs }));
}

export const CLINIC_A = "6d656469-636c-6f75-6400-64656d6f0001";
export const CLINIC_B = "0b7e5f2a-1111-4c3d-9e8f-000000000002";

/** A clinic's overview row; `minutesAgo` a device was last heard. */
export function overview(id: string, name: string, patch: Partial<ClinicOverview> = {}): ClinicOverview {
  return {
    id,
    name,
    today: "2026-12-03",
    time_zone: "Asia/Jakarta",
    waiting: 0,
    longest_wait_seconds: 0,
    served_today: 0,
    no_show_today: 0,
    devices: [],
    ...patch,
  };
}
