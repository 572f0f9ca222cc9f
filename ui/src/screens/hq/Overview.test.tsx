import { act, fireEvent, render, screen, within } from "@testing-library/react";
import { clockTime } from "../../lib/clinicTime";
import { catalogue } from "../../lib/i18n";
import { Hq } from "./Hq";
import { CLINIC_A, CLINIC_B, cloud, FakeEventSource, loggedIn, overview, type Routes } from "./testCloud";

const id = catalogue.id;
const MIN = 60_000;
let now = Date.now();

function chain(): Routes {
  return {
    "GET /hq/v1/me": { body: { username: "hq-admin", role: "chain_admin", clinics: [] } },
    "GET /hq/v1/clinics": {
      body: [
        overview(CLINIC_B, "Klinik Bahagia Makassar", {
          time_zone: "Asia/Makassar",
          waiting: 2,
          longest_wait_seconds: 300,
          served_today: 10,
          no_show_today: 0,
          devices: [{ id: "d-b1", name: "loket-1", last_seen_ms: now - 30_000 }],
        }),
        overview(CLINIC_A, "Klinik Sehat Sentosa", {
          waiting: 4,
          longest_wait_seconds: 1500,
          served_today: 31,
          no_show_today: 2,
          devices: [
            { id: "d-a1", name: "kiosk-1", last_seen_ms: now - MIN },
            { id: "d-a2", name: "kiosk-2", last_seen_ms: now - 23 * MIN },
            { id: "d-a3", name: "display-1", last_seen_ms: null },
          ],
        }),
      ],
    },
  };
}

beforeEach(() => {
  now = Date.now();
  sessionStorage.clear();
  localStorage.clear();
  history.replaceState(null, "", "/hq");
  FakeEventSource.all = [];
  vi.stubGlobal("EventSource", FakeEventSource);
  loggedIn();
});

afterEach(() => vi.unstubAllGlobals());

const cells = (clinic: string) => {
  const row = screen.getByTestId(`clinic-${clinic}`);
  return ["waiting", "longest", "served", "no-show"].map((k) => within(row).getByTestId(k).textContent);
};

test("every clinic's figures, the chain's totals and each device's freshness in the clinic's time", async () => {
  cloud(chain());
  render(<Hq />);
  await screen.findByTestId(`clinic-${CLINIC_A}`);
  expect(cells(CLINIC_A)).toEqual(["4", "25 mnt", "31", "2"]);
  expect(cells(CLINIC_B)).toEqual(["2", "5 mnt", "10", "0"]);
  // Sorted by name.
  expect(screen.getAllByRole("rowheader").map((r) => r.querySelector("a")?.textContent)).toEqual(["Klinik Bahagia Makassar", "Klinik Sehat Sentosa"]);
  expect(screen.getByTestId("total-waiting").textContent).toContain("6");
  expect(screen.getByTestId("total-longest").textContent).toContain("25 mnt");
  expect(screen.getByTestId("total-served").textContent).toContain("41");
  expect(screen.getByTestId("total-no-show").textContent).toContain("2");
  expect(screen.getByTestId("total-devices").textContent).toBe(`${id.hqDevices}2/42 perangkat offline`);
  // kiosk-2, silent 23 minutes: offline, in words and not only in colour.
  const kiosk2 = screen.getByTestId("device-d-a2");
  expect(kiosk2.textContent).toBe(`kiosk-2 terakhir terdengar ${clockTime(now - 23 * MIN, "Asia/Jakarta", "id")}, offline 23 mnt`);
  expect(kiosk2.dataset.offline).toBe("true");
  expect(screen.getByTestId("device-d-a1").textContent).toBe(`kiosk-1 terakhir terdengar ${clockTime(now - MIN, "Asia/Jakarta", "id")} · tersambung`);
  expect(screen.getByTestId("device-d-a3").textContent).toBe("display-1 belum pernah tersambung");
  // Makassar's device in Makassar's time, an hour ahead of Jakarta.
  expect(screen.getByTestId("device-d-b1").textContent).toContain(clockTime(now - 30_000, "Asia/Makassar", "id"));
});

test("an `overview` event replaces that clinic's row, without asking the cloud again", async () => {
  const sent = cloud(chain());
  render(<Hq />);
  await screen.findByTestId(`clinic-${CLINIC_A}`);
  const stream = FakeEventSource.open();
  expect(stream?.url).toBe("/hq/v1/events?access_token=access-1");
  expect(screen.getByTestId("hq-live").textContent).toBe(id.hqNotLive);
  act(() => stream?.emit("hello"));
  expect(screen.getByTestId("hq-live").textContent).toBe(id.hqLive);
  await vi.waitFor(() => expect(sent.filter((s) => s.url === "/hq/v1/clinics")).toHaveLength(2)); // hello: everything again
  act(() =>
    stream?.emit(
      "overview",
      overview(CLINIC_A, "Klinik Sehat Sentosa", { waiting: 5, longest_wait_seconds: 1560, served_today: 32, no_show_today: 2, devices: [{ id: "d-a2", name: "kiosk-2", last_seen_ms: Date.now() }] }),
    ),
  );
  expect(cells(CLINIC_A)).toEqual(["5", "26 mnt", "32", "2"]);
  expect(cells(CLINIC_B)).toEqual(["2", "5 mnt", "10", "0"]);
  expect(screen.getByTestId("total-waiting").textContent).toContain("7");
  expect(screen.getByTestId("device-d-a2").dataset.offline).toBe("false");
  expect(sent.filter((s) => s.url === "/hq/v1/clinics")).toHaveLength(2);
  // A resync asks for everything again.
  act(() => stream?.emit("resync"));
  await vi.waitFor(() => expect(sent.filter((s) => s.url === "/hq/v1/clinics")).toHaveLength(3));
});

test("clinics found by name and sorted by who waits most", async () => {
  cloud(chain());
  render(<Hq />);
  await screen.findByTestId(`clinic-${CLINIC_A}`);
  fireEvent.change(screen.getByTestId("hq-sort"), { target: { value: "waiting" } });
  expect(screen.getAllByRole("rowheader").map((r) => r.querySelector("a")?.textContent)).toEqual(["Klinik Sehat Sentosa", "Klinik Bahagia Makassar"]);
  fireEvent.change(screen.getByTestId("hq-filter"), { target: { value: "makassar" } });
  expect(screen.queryByTestId(`clinic-${CLINIC_A}`)).toBeNull();
  expect(screen.getByTestId(`clinic-${CLINIC_B}`)).toBeTruthy();
  fireEvent.change(screen.getByTestId("hq-filter"), { target: { value: "Surabaya" } });
  expect(screen.getByText("Tidak ada klinik yang cocok dengan “Surabaya”.")).toBeTruthy();
});

test("a manager sees the clinics the cloud gives, not those the account names", async () => {
  cloud({
    "GET /hq/v1/me": { body: { username: "manajer", role: "clinic_manager", clinics: [CLINIC_A, CLINIC_B] } },
    "GET /hq/v1/clinics": { body: [overview(CLINIC_A, "Klinik Sehat Sentosa", { waiting: 3 })] },
  });
  render(<Hq />);
  await screen.findByTestId(`clinic-${CLINIC_A}`);
  expect(screen.queryByTestId(`clinic-${CLINIC_B}`)).toBeNull();
  expect(screen.getByTestId("total-waiting").textContent).toContain("3");
  expect((await screen.findByTestId("hq-me")).textContent).toBe(`manajer${id.role_clinic_manager}`);
  // The reports offer that clinic alone.
  fireEvent.click(screen.getByRole("link", { name: id.reports }));
  const picker = (await screen.findByTestId("report-clinic")) as HTMLSelectElement;
  expect([...picker.options].map((o) => o.textContent)).toEqual(["Klinik Sehat Sentosa"]);
});

test("an expired access token is refreshed once, kept with the new refresh token, and the stream reconnects with it", async () => {
  let first = true;
  const sent = cloud({
    ...chain(),
    "GET /hq/v1/me": { body: { username: "hq-admin", role: "chain_admin", clinics: [] } },
    "GET /hq/v1/clinics": (s) => {
      if (s.headers.authorization === "Bearer access-1" && first) {
        first = false;
        return { status: 401, body: { code: "token_expired", message: "…" } };
      }
      return { body: [overview(CLINIC_A, "Klinik Sehat Sentosa")] };
    },
    "POST /hq/v1/auth/refresh": { body: { access_token: "access-2", refresh_token: "refresh-2", expires_in: 300 } },
  });
  render(<Hq />);
  await screen.findByTestId(`clinic-${CLINIC_A}`);
  const refreshes = sent.filter((s) => s.url === "/hq/v1/auth/refresh");
  expect(refreshes.map((s) => s.body)).toEqual([{ refresh_token: "refresh-1" }]);
  expect(sent.filter((s) => s.url === "/hq/v1/clinics").map((s) => s.headers.authorization)).toEqual(["Bearer access-1", "Bearer access-2"]);
  expect(JSON.parse(sessionStorage.getItem("medicloud.hq.session") ?? "{}")).toMatchObject({ access: "access-2", refresh: "refresh-2" });
  await vi.waitFor(() => expect(FakeEventSource.open()?.url).toBe("/hq/v1/events?access_token=access-2"));
});

test("a refresh the cloud refuses ends the login: back to the login screen, saying why", async () => {
  loggedIn("access-1", "refresh-1", 1000); // about to expire: refreshed before the first request
  cloud({ ...chain(), "POST /hq/v1/auth/refresh": { status: 401, body: { code: "session_revoked", message: "…" } } });
  render(<Hq />);
  expect(await screen.findByText(id.hqSessionEnded)).toBeTruthy();
  expect(sessionStorage.getItem("medicloud.hq.session")).toBeNull();
});

test("logout ends the login on the cloud and here", async () => {
  const sent = cloud({ ...chain(), "POST /hq/v1/auth/logout": { status: 204 } });
  render(<Hq />);
  await screen.findByTestId(`clinic-${CLINIC_A}`);
  fireEvent.click(screen.getByTestId("hq-logout"));
  expect(await screen.findByRole("heading", { name: id.hqLoginTitle })).toBeTruthy();
  expect(screen.queryByText(id.hqSessionEnded)).toBeNull();
  expect(sent.find((s) => s.url === "/hq/v1/auth/logout")?.headers.authorization).toBe("Bearer access-1");
  expect(sessionStorage.getItem("medicloud.hq.session")).toBeNull();
});
