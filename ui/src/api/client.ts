// The one way the screens talk to their node: JSON over fetch, typed from the generated
// `paths` (a method and a path template give the request's parameters and body and the
// answer's type), errors as ApiError with the node's stable code, and the two kinds of
// credentials a browser holds.
import type { components, paths } from "./schema";

/** Every code the node answers with (generated from its `ErrorCode`). */
export type NodeErrorCode = components["schemas"]["ErrorCode"];
/** What an ApiError carries: the node's code, or `offline` when the node could not be reached. */
export type ErrorCode = NodeErrorCode | "offline";

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export type Method = "GET" | "POST" | "PUT" | "DELETE";
type Op<M extends Method, P extends keyof paths> = NonNullable<paths[P][Lowercase<M>]>;
/** The path templates that have an operation for `M`. */
export type PathOf<M extends Method> = { [P in keyof paths]: [NonNullable<paths[P][Lowercase<M>]>] extends [never] ? never : P }[keyof paths];

type Json<T> = T extends { content: { "application/json": infer B } } ? B : undefined;
type Success<O> = O extends { responses: infer R } ? R[Extract<keyof R, 200 | 201 | 202 | 204>] : never;
/** What a successful answer to `M path` holds. */
export type Answer<M extends Method, P extends PathOf<M>> = Json<Success<Op<M, P>>>;

type PathParams<O> = O extends { parameters: { path: infer A } } ? ([A] extends [never | undefined] ? { params?: never } : { params: A }) : { params?: never };
type QueryParams<O> = O extends { parameters: { query?: infer Q } } ? ([NonNullable<Q>] extends [never] ? { query?: never } : { query?: Q }) : { query?: never };
type BodyOf<O> = O extends { requestBody: { content: { "application/json": infer B } } }
  ? { body: B }
  : O extends { requestBody?: infer R }
    ? [NonNullable<R>] extends [never]
      ? { body?: never }
      : { body?: Json<NonNullable<R>> }
    : { body?: never };
/** What a request to `M path` may (or must) carry besides the method and path. */
export type Options<M extends Method, P extends PathOf<M>> = { token?: string | null } & PathParams<Op<M, P>> & QueryParams<Op<M, P>> & BodyOf<Op<M, P>>;
type Rest<T> = {} extends T ? [options?: T] : [options: T];

/** A query string of the set values (null and undefined are left out), in their order. */
export function queryString(query?: object): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== null && v !== undefined) search.set(k, String(v));
  return search.toString();
}

/** The URL for a path template, its parameters and its query. */
export function url(path: string, params?: Record<string, string | number>, query?: object): string {
  const filled = path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(String(params?.[name] ?? "")));
  const text = queryString(query);
  return text ? `${filled}?${text}` : filled;
}

/** The language the node should answer in: the page's, Bahasa Indonesia unless English. */
export function requestLanguage(): "id" | "en" {
  return typeof document !== "undefined" && document.documentElement.lang === "en" ? "en" : "id";
}

/** Sends `method path` (a template of the document, e.g. `/api/v1/tickets/{id}`) with its
 * parameters, query and body; resolves with the answer, rejects with an ApiError. */
export async function api<M extends Method, P extends PathOf<M>>(method: M, path: P, ...[options]: Rest<Options<M, P>>): Promise<Answer<M, P>> {
  const { token, params, query, body } = ((options as unknown) ?? {}) as { token?: string | null; params?: Record<string, string>; query?: object; body?: unknown };
  // The node words its refusals in the screen's language (the page's `lang`, which
  // useLang keeps in step with the language shown).
  const headers: Record<string, string> = { "accept-language": requestLanguage() };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  let res: Response;
  try {
    res = await fetch(url(path, params, query), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, "offline", "the node cannot be reached");
  }
  if (res.status === 204 || res.status === 202) return undefined as Answer<M, P>;
  const text = await res.text();
  if (!res.ok) {
    let e: Partial<components["schemas"]["ErrorBody"]> | undefined;
    try {
      e = text ? JSON.parse(text) : undefined;
    } catch {
      e = undefined; // not the node's answer (a proxy's page, say)
    }
    throw new ApiError(res.status, typeof e?.code === "string" ? e.code : "unknown", e?.message ?? res.statusText);
  }
  const json: unknown = text ? JSON.parse(text) : undefined;
  return json as Answer<M, P>;
}

const DEVICE_KEY = "medicloud.deviceToken";
const STAFF_KEY = "medicloud.staffToken";

/** A kiosk or display is paired by opening `/kiosk#token=…`: keep the token, and take
 * it out of the address bar (and the history) at once. */
export function takePairingToken(): string | null {
  const match = /(?:^#|&)token=([^&]+)/.exec(window.location.hash);
  if (match) {
    localStorage.setItem(DEVICE_KEY, decodeURIComponent(match[1]));
    history.replaceState(null, "", window.location.pathname + window.location.search);
  }
  return localStorage.getItem(DEVICE_KEY);
}

export function forgetDevice() {
  localStorage.removeItem(DEVICE_KEY);
}

export const staffToken = {
  get: () => sessionStorage.getItem(STAFF_KEY),
  set: (token: string) => sessionStorage.setItem(STAFF_KEY, token),
  clear: () => sessionStorage.removeItem(STAFF_KEY),
};
