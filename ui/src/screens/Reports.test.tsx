import { fireEvent, render, screen, within } from "@testing-library/react";
import type { ReportSummary } from "../api/types";
import { catalogue, type Key } from "../lib/i18n";
import { daysBefore, duration, percent, Reports } from "./Reports";
import { serviceFigures as figures } from "./testReport";

const t = (k: Key) => catalogue.en[k];


const byHour = Array(24).fill(0);
byHour[8] = 2;
byHour[9] = 1;
const heat = Array.from({ length: 7 }, () => Array(24).fill(0));
heat[3] = byHour;

const summary: ReportSummary = {
  from: "2026-12-03",
  to: "2026-12-03",
  time_zone: "Asia/Jakarta",
  per_service: [figures({ issued: 3, served: 2, no_show: 1, called: 3, wait_p50_s: 1500, wait_p90_s: 5100, wait_max_s: 5100, service_p50_s: 300, service_p90_s: 600, within_target_ratio: 2 / 3 })],
  whole_clinic: figures({ service: null, name_id: "Seluruh klinik", name_en: "Whole clinic", target_wait_minutes: null, issued: 4, served: 2 }),
  per_step: [],
  visits: 4,
  by_hour: byHour,
  heat_map: heat,
  per_counter: [{ counter: "lab", served: 2, mean_service_s: 450 }],
  per_staff: [{ staff: "7d3c0000-0000-4000-8000-000000000002", username: "desk", served: 2, mean_service_s: 450 }],
  appointments: { booked: 4, cancelled: 1, checked_in: 1, missed: 1, upcoming: 1 },
  estimate_mae_s: 2500,
  estimate_samples: 3,
};

let requested: string[] = [];
let answer: { status: number; body: unknown } = { status: 200, body: summary };

beforeEach(() => {
  requested = [];
  answer = { status: 200, body: summary };
  vi.stubGlobal(
    "fetch",
    vi.fn(async (path: string) => {
      requested.push(path);
      return new Response(JSON.stringify(answer.body), { status: answer.status });
    }),
  );
});

afterEach(() => vi.unstubAllGlobals());

test.each([
  [null, "—"],
  [45, "45 s"],
  [300, "5 min"],
  [5100, "1 h 25 min"],
  [3600, "1 h 00 min"],
])("%s seconds read as %s", (seconds, words) => {
  expect(duration(seconds, "en")).toBe(words);
});

test("durations, shares and ranges in words", () => {
  expect(duration(1500, "id")).toBe("25 mnt");
  expect(percent(2 / 3)).toBe("67%");
  expect(percent(null)).toBe("—");
  expect(daysBefore("2026-03-01", 1)).toBe("2026-02-28");
});

test("the report of the range: a row per service and the whole clinic, bars by hour, the heat map", async () => {
  render(<Reports token="tok" t={t} lang="en" timeZone="Asia/Jakarta" fail={(e) => { throw e; }} />);
  const lab = await screen.findByTestId("report-row-L");
  const cells = within(lab).getAllByRole("cell").map((c) => c.textContent);
  expect(cells).toEqual(["3", "2", "1", "0", "25 min", "1 h 25 min", "1 h 25 min", "5 min", "10 min", "67% / 1 h 00 min"]);
  expect(within(screen.getByTestId("report-row-all")).getByRole("rowheader").textContent).toBe("Whole clinic");
  // A bar per hour, as tall as its count; the busiest hour the tallest.
  const bars = screen.getAllByTestId(/^bar-/);
  expect(bars).toHaveLength(24);
  expect(screen.getByTestId("bar-8").getAttribute("data-count")).toBe("2");
  expect(Number(screen.getByTestId("bar-8").getAttribute("height"))).toBeGreaterThan(Number(screen.getByTestId("bar-9").getAttribute("height")));
  expect(Number(screen.getByTestId("bar-10").getAttribute("height"))).toBe(0);
  // 7 × 24 cells; Thursday 08:00 holds two tickets.
  const cellsOfMap = screen.getByTestId("heat-map").querySelectorAll("rect");
  expect(cellsOfMap).toHaveLength(7 * 24);
  expect(cellsOfMap[3 * 24 + 8].getAttribute("data-count")).toBe("2");
  expect(screen.getByTestId("report-estimate").textContent).toContain("42 min");
  expect(screen.getByTestId("report-counters").textContent).toContain("lab");
  // The range asked for: the last seven days of the clinic's calendar.
  expect(requested[0]).toMatch(/^\/api\/v1\/reports\/summary\?from=\d{4}-\d{2}-\d{2}&to=\d{4}-\d{2}-\d{2}$/);
  fireEvent.change(screen.getByTestId("report-from"), { target: { value: "2026-12-01" } });
  await vi.waitFor(() => expect(requested.at(-1)).toContain("from=2026-12-01"));
});

test("a range the node refuses shows its words", async () => {
  answer = { status: 422, body: { code: "validation_failed", message: "To: a report covers at most 400 days" } };
  render(<Reports token="tok" t={t} lang="en" timeZone="Asia/Jakarta" fail={(e) => { throw e; }} />);
  expect((await screen.findByTestId("report-error")).textContent).toBe("To: a report covers at most 400 days");
});

test("counters are named as the clinic named them", async () => {
  render(<Reports token="tok" t={t} lang="en" timeZone="Asia/Jakarta" fail={(e) => { throw e; }} counterNames={{ lab: "Ruang Laboratorium" }} />);
  const counters = await screen.findByTestId("report-counters");
  expect(within(counters).getAllByRole("rowheader").map((r) => r.textContent)).toContain("Ruang Laboratorium");
});
