import { act, fireEvent, render, screen, within } from "@testing-library/react";
import type { ReportSummary, ServiceFigures } from "../../api/types";
import { catalogue } from "../../lib/i18n";
import { Hq } from "./Hq";
import { serviceFigures } from "../testReport";
import { CLINIC_A, CLINIC_B, cloud, FakeEventSource, loggedIn, overview } from "./testCloud";

const id = catalogue.id;

/** Poli Umum's figures (a 30-minute target), `patch` over them. */
const figures = (patch: Partial<ServiceFigures>) =>
  serviceFigures({ service: "A", name_id: "Poli Umum", name_en: "General clinic", target_wait_minutes: 30, ...patch });

const byHour = Array(24).fill(0);
byHour[9] = 7;
const summary: ReportSummary = {
  from: "2026-11-27",
  to: "2026-12-03",
  time_zone: "Asia/Jakarta",
  per_service: [figures({ issued: 12, served: 10, no_show: 1, wait_p50_s: 600 })],
  whole_clinic: figures({ service: null, name_id: "Seluruh klinik", name_en: "Whole clinic", target_wait_minutes: null, issued: 12, served: 10 }),
  per_step: [],
  visits: 12,
  by_hour: byHour,
  heat_map: Array.from({ length: 7 }, () => Array(24).fill(0)),
  per_counter: [{ counter: "loket-1", served: 10, mean_service_s: 240 }],
  per_staff: [],
  appointments: { booked: 0, cancelled: 0, checked_in: 0, missed: 0, upcoming: 0 },
  estimate_mae_s: null,
  estimate_samples: 0,
};

let links: { href: string; download: string }[] = [];

beforeEach(() => {
  sessionStorage.clear();
  localStorage.clear();
  FakeEventSource.all = [];
  vi.stubGlobal("EventSource", FakeEventSource);
  loggedIn();
  links = [];
  URL.createObjectURL = vi.fn(() => "blob:report");
  URL.revokeObjectURL = vi.fn();
  vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
    links.push({ href: this.href, download: this.download });
  });
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

function theCloud() {
  return cloud({
    "GET /hq/v1/me": { body: { username: "hq-admin", role: "chain_admin", clinics: [] } },
    "GET /hq/v1/clinics": { body: [overview(CLINIC_A, "Klinik Sehat Sentosa"), overview(CLINIC_B, "Klinik Bahagia Makassar", { time_zone: "Asia/Makassar" })] },
    "GET /hq/v1/reports/summary": { body: summary },
    [`GET /hq/v1/clinics/${CLINIC_A}/configuration`]: { body: { services: [], counters: [{ id: "loket-1", name: "Loket 1", services: ["A"] }] } },
    "GET /hq/v1/reports/summary.csv": { blob: "Layanan;Diterbitkan\n", headers: { "content-type": "text/csv" } },
    "GET /hq/v1/reports/summary.xlsx": { blob: "PK", headers: { "content-type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" } },
  });
}

const query = (url: string) => Object.fromEntries(new URLSearchParams(url.split("?")[1]));

test("the report of the clinic in the address: its figures and charts, as the node's admin shows them", async () => {
  history.replaceState(null, "", `/hq/reports?clinic=${CLINIC_A}`);
  const sent = theCloud();
  render(<Hq />);
  const row = await screen.findByTestId("report-row-A");
  expect(within(row).getAllByRole("cell").map((c) => c.textContent).slice(0, 5)).toEqual(["12", "10", "1", "0", "10 mnt"]);
  expect(screen.getByTestId("bar-9").getAttribute("data-count")).toBe("7");
  expect(screen.getByTestId("heat-map")).toBeTruthy();
  const asked = sent.find((s) => s.url.startsWith("/hq/v1/reports/summary?"));
  expect(asked?.headers.authorization).toBe("Bearer access-1");
  expect(query(asked!.url)).toMatchObject({ clinic: CLINIC_A });
  expect(query(asked!.url).from).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  expect((screen.getByTestId("report-clinic") as HTMLSelectElement).value).toBe(CLINIC_A);
  // Counters as the clinic named them.
  await within(screen.getByTestId("report-counters")).findByText("Loket 1");
});

test("CSV and XLSX come from the cloud with the login's token, for the clinic and range shown", async () => {
  history.replaceState(null, "", `/hq/reports?clinic=${CLINIC_B}`);
  const sent = theCloud();
  render(<Hq />);
  await screen.findByTestId("report-row-A");
  fireEvent.change(screen.getByTestId("report-from"), { target: { value: "2026-11-01" } });
  fireEvent.change(screen.getByTestId("report-to"), { target: { value: "2026-11-30" } });
  fireEvent.click(screen.getByTestId("report-csv"));
  await vi.waitFor(() => expect(links).toHaveLength(1));
  fireEvent.click(screen.getByTestId("report-xlsx"));
  await vi.waitFor(() => expect(links).toHaveLength(2));
  const files = sent.filter((s) => /summary\.(csv|xlsx)/.test(s.url));
  expect(files.map((s) => s.url.split("?")[0])).toEqual(["/hq/v1/reports/summary.csv", "/hq/v1/reports/summary.xlsx"]);
  for (const f of files) {
    expect(query(f.url)).toEqual({ clinic: CLINIC_B, from: "2026-11-01", to: "2026-11-30" });
    expect(f.headers.authorization).toBe("Bearer access-1");
  }
  expect(links.map((l) => l.download)).toEqual(["laporan-klinik-bahagia-makassar-2026-11-01-2026-11-30.csv", "laporan-klinik-bahagia-makassar-2026-11-01-2026-11-30.xlsx"]);
});

test("another clinic picked: its report, and the address says which", async () => {
  history.replaceState(null, "", "/hq/reports");
  const sent = theCloud();
  render(<Hq />);
  await screen.findByTestId("report-row-A");
  // None asked for: the first by name.
  expect((screen.getByTestId("report-clinic") as HTMLSelectElement).value).toBe(CLINIC_B);
  fireEvent.change(screen.getByTestId("report-clinic"), { target: { value: CLINIC_A } });
  await vi.waitFor(() => expect(query(sent.filter((s) => s.url.startsWith("/hq/v1/reports/summary?")).at(-1)!.url).clinic).toBe(CLINIC_A));
  expect(window.location.search).toBe(`?clinic=${CLINIC_A}`);
  expect(screen.getByRole("link", { name: id.reports }).getAttribute("aria-current")).toBe("page");
});

test("a clinic's report still on the way when another clinic is picked never replaces the one picked", async () => {
  history.replaceState(null, "", `/hq/reports?clinic=${CLINIC_B}`);
  // Makassar's answer is held until Jakarta's has been shown.
  let release = () => {};
  const held = new Promise<void>((r) => (release = r));
  const makassar = { ...summary, time_zone: "Asia/Makassar", per_service: [figures({ issued: 99 })] };
  cloud({
    "GET /hq/v1/me": { body: { username: "hq-admin", role: "chain_admin", clinics: [] } },
    "GET /hq/v1/clinics": { body: [overview(CLINIC_A, "Klinik Sehat Sentosa"), overview(CLINIC_B, "Klinik Bahagia Makassar", { time_zone: "Asia/Makassar" })] },
    [`GET /hq/v1/clinics/${CLINIC_A}/configuration`]: { body: { services: [], counters: [] } },
    [`GET /hq/v1/clinics/${CLINIC_B}/configuration`]: { body: { services: [], counters: [] } },
    "GET /hq/v1/reports/summary": async (s) => {
      if (query(s.url).clinic === CLINIC_A) return { body: summary };
      await held;
      return { body: makassar };
    },
  });
  render(<Hq />);
  await screen.findByTestId("report-clinic");
  fireEvent.change(screen.getByTestId("report-clinic"), { target: { value: CLINIC_A } });
  const issued = async () => within(await screen.findByTestId("report-row-A")).getAllByRole("cell")[0].textContent;
  expect(await issued()).toBe("12");
  await act(async () => {
    release();
    // Long enough for the held answer to come back and be read.
    await new Promise((r) => setTimeout(r, 50));
  });
  expect(await issued()).toBe("12");
});
