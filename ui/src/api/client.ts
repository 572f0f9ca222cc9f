// The one way the screens talk to their node: JSON over fetch, errors as ApiError with
// the node's stable code, and the two kinds of credentials a browser holds.

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function api<T>(method: string, path: string, token?: string | null, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, "offline", "the node cannot be reached");
  }
  if (res.status === 204 || res.status === 202) return undefined as T;
  const text = await res.text();
  const json = text ? JSON.parse(text) : undefined;
  if (!res.ok) throw new ApiError(res.status, json?.code ?? "error", json?.message ?? res.statusText);
  return json as T;
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
