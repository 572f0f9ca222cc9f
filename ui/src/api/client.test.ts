import { api, ApiError, takePairingToken } from "./client";

test("a pairing link's token is kept and taken out of the address bar", () => {
  localStorage.clear();
  history.replaceState(null, "", "/kiosk#token=mcd_secret123");
  expect(takePairingToken()).toBe("mcd_secret123");
  expect(window.location.hash).toBe("");
  expect(window.location.pathname).toBe("/kiosk");
  // Later visits without the fragment keep the pairing.
  expect(takePairingToken()).toBe("mcd_secret123");
});

test("errors carry the node's code and message", async () => {
  vi.stubGlobal(
    "fetch",
    vi.fn(async () => new Response(JSON.stringify({ code: "queue_empty", message: "nobody is waiting" }), { status: 404 })),
  );
  await expect(api("POST", "/api/v1/counters/loket-1/call-next", "t")).rejects.toMatchObject({
    status: 404,
    code: "queue_empty",
    message: "nobody is waiting",
  });
  vi.stubGlobal("fetch", vi.fn(async () => Promise.reject(new TypeError("network"))));
  const err = (await api("GET", "/api/v1/services").catch((e: unknown) => e)) as ApiError;
  expect(err).toBeInstanceOf(ApiError);
  expect(err.code).toBe("offline");
  vi.unstubAllGlobals();
});
