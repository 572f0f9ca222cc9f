import { act, fireEvent, render, screen } from "@testing-library/react";
import { catalogue } from "../../lib/i18n";
import { Hq } from "./Hq";
import { CLINIC_A, cloud, FakeEventSource, overview, type Routes } from "./testCloud";

const id = catalogue.id;
const TOKENS = { access_token: "access-1", refresh_token: "refresh-1", expires_in: 300 };

/** The cloud after a login: the account and one clinic. */
const signedIn: Routes = {
  "GET /hq/v1/me": { body: { username: "hq-admin", role: "chain_admin", clinics: [] } },
  "GET /hq/v1/clinics": { body: [overview(CLINIC_A, "Klinik Sehat Sentosa", { waiting: 4 })] },
};

beforeEach(() => {
  sessionStorage.clear();
  localStorage.clear();
  document.documentElement.lang = "id";
  history.replaceState(null, "", "/hq");
  FakeEventSource.all = [];
  vi.stubGlobal("EventSource", FakeEventSource);
});

afterEach(() => vi.unstubAllGlobals());

function logIn(username: string, password: string) {
  fireEvent.change(screen.getByLabelText(id.username), { target: { value: username } });
  fireEvent.change(screen.getByLabelText(id.password), { target: { value: password } });
  fireEvent.click(screen.getByTestId("hq-login"));
}

test("a password login keeps the tokens for this tab and opens the overview", async () => {
  const sent = cloud({ ...signedIn, "GET /hq/v1/auth/providers": { body: { oidc: null } }, "POST /hq/v1/auth/login": { body: TOKENS } });
  render(<Hq />);
  expect(screen.getByRole("heading", { name: id.hqLoginTitle })).toBeTruthy();
  logIn("hq-admin", "sandi-kantor-pusat-1");
  expect((await screen.findByTestId(`clinic-${CLINIC_A}`)).textContent).toContain("Klinik Sehat Sentosa");
  const login = sent.find((s) => s.url === "/hq/v1/auth/login");
  expect(login?.body).toEqual({ username: "hq-admin", password: "sandi-kantor-pusat-1" });
  expect(login?.headers["accept-language"]).toBe("id");
  expect(JSON.parse(sessionStorage.getItem("medicloud.hq.session") ?? "{}")).toMatchObject({ access: "access-1", refresh: "refresh-1" });
  expect(sent.find((s) => s.url === "/hq/v1/clinics")?.headers.authorization).toBe("Bearer access-1");
  expect((await screen.findByTestId("hq-me")).textContent).toBe(`hq-admin${id.role_chain_admin}`);
});

test("a wrong password says so and keeps nothing", async () => {
  cloud({ "POST /hq/v1/auth/login": { status: 401, body: { code: "invalid_credentials", message: "Nama pengguna atau kata sandi salah." } } });
  render(<Hq />);
  logIn("hq-admin", "salah");
  expect((await screen.findByTestId("hq-login-error")).textContent).toBe(id.err_invalid_credentials);
  expect(sessionStorage.getItem("medicloud.hq.session")).toBeNull();
  expect(screen.queryByTestId("hq")).toBeNull();
});

test("a locked account says for how long", async () => {
  cloud({ "POST /hq/v1/auth/login": { status: 429, headers: { "retry-after": "840" }, body: { code: "account_locked", message: "…" } } });
  render(<Hq />);
  logIn("hq-admin", "salah");
  expect((await screen.findByTestId("hq-login-error")).textContent).toBe(`${id.err_account_locked} Coba lagi dalam 14 mnt.`);
});

test("the single sign-on button is there only when the cloud offers one", async () => {
  const sent = cloud({ "GET /hq/v1/auth/providers": { body: { oidc: null } } });
  const { unmount } = render(<Hq />);
  await vi.waitFor(() => expect(sent.some((s) => s.url === "/hq/v1/auth/providers")).toBe(true));
  await act(() => new Promise((r) => setTimeout(r, 20)));
  expect(screen.queryByTestId("hq-sso")).toBeNull();
  unmount();
  cloud({ "GET /hq/v1/auth/providers": { body: { oidc: { name: "Google Workspace", start_url: "/hq/v1/auth/oidc/start" } } } });
  render(<Hq />);
  const sso = await screen.findByTestId("hq-sso");
  expect(sso.textContent).toBe("Masuk dengan Google Workspace");
  expect(sso.getAttribute("href")).toBe("/hq/v1/auth/oidc/start");
  fireEvent.click(screen.getByText(id.language));
  expect((await screen.findByTestId("hq-sso")).textContent).toBe("Sign in with Google Workspace");
});

test("back from the identity provider, the one-time code logs in and leaves the address bar", async () => {
  history.replaceState(null, "", "/hq/#login=one-time-code");
  const sent = cloud({ ...signedIn, "POST /hq/v1/auth/oidc/complete": { body: TOKENS } });
  render(<Hq />);
  expect(await screen.findByTestId(`clinic-${CLINIC_A}`)).toBeTruthy();
  expect(sent.filter((s) => s.url === "/hq/v1/auth/oidc/complete").map((s) => s.body)).toEqual([{ code: "one-time-code" }]);
  expect(window.location.hash).toBe("");
  expect(window.location.pathname).toBe("/hq/");
  expect(JSON.parse(sessionStorage.getItem("medicloud.hq.session") ?? "{}").access).toBe("access-1");
});

test.each([
  ["oidc_login_expired", id.err_oidc_login_expired],
  ["oidc_unknown_subject", id.err_oidc_unknown_subject],
])("a code the cloud refuses (%s) is said on the login screen", async (code, words) => {
  history.replaceState(null, "", `/hq/#login=${code}-code`);
  cloud({ "POST /hq/v1/auth/oidc/complete": { status: 401, body: { code, message: "the cloud's words" } } });
  render(<Hq />);
  expect((await screen.findByTestId("hq-login-error")).textContent).toBe(words);
  expect(window.location.hash).toBe("");
  expect(screen.getByLabelText(id.username)).toBeTruthy();
});
