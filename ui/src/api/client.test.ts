import { api, ApiError, takePairingToken, url } from "./client";

test("a pairing link's token is kept and taken out of the address bar", () => {
  localStorage.clear();
  history.replaceState(null, "", "/kiosk#token=mcd_secret123");
  expect(takePairingToken()).toBe("mcd_secret123");
  expect(window.location.hash).toBe("");
  expect(window.location.pathname).toBe("/kiosk");
  // Later visits without the fragment keep the pairing.
  expect(takePairingToken()).toBe("mcd_secret123");
});

afterEach(() => vi.unstubAllGlobals());

function answer(body: string | null, status: number) {
  const fetch = vi.fn(async (_path: string, _init?: RequestInit) => new Response(body, { status }));
  vi.stubGlobal("fetch", fetch);
  return fetch;
}

test("errors carry the node's code and message", async () => {
  answer(JSON.stringify({ code: "queue_empty", message: "nobody is waiting" }), 404);
  await expect(api("POST", "/api/v1/counters/{counter_id}/call-next", { token: "t", params: { counter_id: "loket-1" } })).rejects.toMatchObject({
    status: 404,
    code: "queue_empty",
    message: "nobody is waiting",
  });
  vi.stubGlobal("fetch", vi.fn(async () => Promise.reject(new TypeError("network"))));
  const err = (await api("GET", "/api/v1/services").catch((e: unknown) => e)) as ApiError;
  expect(err).toBeInstanceOf(ApiError);
  expect(err.code).toBe("offline");
});

test("an error answer that is not the node's body is code unknown, with the status text", async () => {
  answer("<html>bad gateway</html>", 502);
  const err = (await api("GET", "/api/v1/services").catch((e: unknown) => e)) as ApiError;
  expect(err).toBeInstanceOf(ApiError);
  expect([err.status, err.code]).toEqual([502, "unknown"]);
  answer("", 500);
  await expect(api("GET", "/api/v1/services")).rejects.toMatchObject({ status: 500, code: "unknown" });
});

test("the path template's parameters, the query and the body are sent as the document says", async () => {
  const fetch = answer(JSON.stringify({ id: "t1" }), 200);
  await api("POST", "/api/v1/tickets/{id}/{action}", { token: "tok", params: { id: "a/b", action: "transfer" }, body: { service: "B" } });
  const [path, init] = fetch.mock.calls[0];
  expect(path).toBe("/api/v1/tickets/a%2Fb/transfer");
  expect(init?.method).toBe("POST");
  expect(init?.body).toBe('{"service":"B"}');
  expect(init?.headers).toEqual({ "accept-language": "id", authorization: "Bearer tok", "content-type": "application/json" });
  await api("GET", "/api/v1/patients", { token: "tok", query: { q: "Siti Aminah" } });
  expect(fetch.mock.calls[1][0]).toBe("/api/v1/patients?q=Siti+Aminah");
  expect(url("/api/v1/audit", undefined, { limit: 200, action: undefined, actor: null })).toBe("/api/v1/audit?limit=200");
});

test("answers without a body are undefined", async () => {
  answer(null, 204);
  await expect(api("POST", "/api/v1/auth/logout", { token: "t" })).resolves.toBeUndefined();
});

// What tsc checks (these lines are compiled by `npm run build`, never run).
export async function typed() {
  // The answer's type comes from the document.
  const services = await api("GET", "/api/v1/services");
  services.map((s) => s.name_id);
  // @ts-expect-error a path the node does not serve
  await api("GET", "/api/v1/nothing-here");
  // @ts-expect-error a method the path does not take
  await api("DELETE", "/api/v1/services");
  // @ts-expect-error a path template needs its parameters
  await api("GET", "/api/v1/tickets/{id}");
  // @ts-expect-error a body the operation does not take
  await api("POST", "/api/v1/tickets", { body: { service: 7 } });
  // @ts-expect-error login needs its body
  await api("POST", "/api/v1/auth/login");
  const session = await api("POST", "/api/v1/auth/login", { body: { username: "u", password: "p" } });
  // @ts-expect-error the answer has no such field
  void session.nonsense;
  const err = new ApiError(409, "already_checked_in", "x");
  // @ts-expect-error not a code the node has
  err.code = "made_up";
}
