import { CLINIC_A, cloud, loggedIn, overview } from "../screens/hq/testCloud";
import { freshToken, hqApi, hqSession } from "./hq";

beforeEach(() => {
  sessionStorage.clear();
  document.documentElement.lang = "en";
});
afterEach(() => vi.unstubAllGlobals());

test("requests that find the token expired share one refresh: a refresh token is good once", async () => {
  loggedIn("old", "refresh-1");
  const sent = cloud({
    "GET /hq/v1/clinics": (s) => (s.headers.authorization === "Bearer old" ? { status: 401, body: { code: "token_expired", message: "…" } } : { body: [overview(CLINIC_A, "Klinik Sehat Sentosa")] }),
    "GET /hq/v1/me": (s) => (s.headers.authorization === "Bearer old" ? { status: 401, body: { code: "token_expired", message: "…" } } : { body: { username: "a", role: "chain_admin", clinics: [] } }),
    "POST /hq/v1/auth/refresh": { body: { access_token: "new", refresh_token: "refresh-2", expires_in: 300 } },
  });
  const [clinics, me] = await Promise.all([hqApi.clinics(), hqApi.me()]);
  expect(clinics).toHaveLength(1);
  expect(me.username).toBe("a");
  expect(sent.filter((s) => s.url === "/hq/v1/auth/refresh").map((s) => s.body)).toEqual([{ refresh_token: "refresh-1" }]);
  expect(hqSession.get()).toMatchObject({ access: "new", refresh: "refresh-2" });
});

test("a token about to expire is refreshed before it is used; a good one is not", async () => {
  loggedIn("soon", "refresh-1", 10_000);
  const sent = cloud({ "POST /hq/v1/auth/refresh": { body: { access_token: "next", refresh_token: "refresh-2", expires_in: 300 } } });
  expect(await freshToken()).toBe("next");
  expect(await freshToken()).toBe("next");
  expect(sent).toHaveLength(1);
});

test("offline, the login is kept to try again; refused, it is over", async () => {
  loggedIn("soon", "refresh-1", 10_000);
  vi.stubGlobal("fetch", vi.fn(async () => Promise.reject(new TypeError("network"))));
  await expect(freshToken()).rejects.toMatchObject({ code: "offline" });
  expect(hqSession.token()).toBe("soon");
  cloud({ "POST /hq/v1/auth/refresh": { status: 401, body: { code: "unauthorized", message: "…" } } });
  await expect(freshToken()).rejects.toMatchObject({ status: 401 });
  expect(hqSession.token()).toBeNull();
});

test("the cloud is asked in the screen's language", async () => {
  loggedIn();
  const sent = cloud({ "GET /hq/v1/me": { body: { username: "a", role: "auditor", clinics: [] } } });
  await hqApi.me();
  expect(sent[0].headers["accept-language"]).toBe("en");
});
