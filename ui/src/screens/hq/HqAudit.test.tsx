import { act, fireEvent, render, screen, within } from "@testing-library/react";
import type { HqAuditRow } from "../../api/hq";
import { catalogue } from "../../lib/i18n";
import { Hq } from "./Hq";
import { CLINIC_A, CLINIC_B, cloud, FakeEventSource, loggedIn, overview } from "./testCloud";

const id = catalogue.id;
const en = catalogue.en;
const at = Date.UTC(2026, 11, 1, 2, 5, 9); // 09:05:09 in Jakarta, 10:05:09 in Makassar
const DESK = "7d3c0000-0000-4000-8000-000000000001";

const row = (seq: number, patch: Partial<HqAuditRow>): HqAuditRow => ({
  clinic: CLINIC_A,
  clinic_name: "Klinik Sehat Sentosa",
  at_ms: at - seq * 1000,
  device: "5e1f0000-0000-4000-8000-0000000000d1",
  seq,
  actor: "system",
  action: "login",
  patient: null,
  subject: "desk",
  changes: [],
  outcome: "ok",
  actor_name: null,
  ...patch,
});

const rows: HqAuditRow[] = [
  row(1, { clinic: CLINIC_B, clinic_name: "Klinik Bahagia Makassar", action: "login_failed", outcome: "failed" }),
  row(2, { actor: `staff:${DESK}`, actor_name: "Admin Klinik", action: "staff_set", subject: "doctor", changes: ["disabled"] }),
  row(3, { actor: `staff:${DESK}`, action: "patient_search", subject: null, patient: "9a9a0000-0000-4000-8000-000000000009" }),
  row(4, {}),
];

const clinics = [
  { id: CLINIC_B, name: "Klinik Bahagia Makassar", time_zone: "Asia/Makassar" },
  { id: CLINIC_A, name: "Klinik Sehat Sentosa", time_zone: "Asia/Jakarta" },
];

function theCloud(role: "auditor" | "chain_admin", answer: (q: URLSearchParams) => HqAuditRow[] = () => rows) {
  return cloud({
    "GET /hq/v1/me": { body: { username: role === "auditor" ? "audit" : "pusat", role, clinics: [] } },
    "GET /hq/v1/clinics": role === "auditor" ? { status: 403, body: { code: "forbidden", message: "…" } } : { body: [overview(CLINIC_A, "Klinik Sehat Sentosa")] },
    "GET /hq/v1/audit/clinics": { body: clinics },
    "GET /hq/v1/audit": (s) => ({ body: answer(new URLSearchParams(s.url.split("?")[1] ?? "")) }),
  });
}

beforeEach(() => {
  sessionStorage.clear();
  FakeEventSource.all = [];
  vi.stubGlobal("EventSource", FakeEventSource);
  loggedIn();
  history.replaceState(null, "", "/hq");
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

test("an auditor lands on every clinic's trail, newest first, in words, each clinic's times in its zone", async () => {
  const sent = theCloud("auditor");
  render(<Hq />);
  const table = await screen.findByTestId("hq-audit-rows");
  expect(window.location.pathname).toBe("/hq/audit");
  const lines = within(table).getAllByRole("row").slice(1);
  expect(lines.map((l) => l.getAttribute("data-action"))).toEqual(["login_failed", "staff_set", "patient_search", "login"]);
  const cells = (i: number) => within(lines[i]).getAllByRole("cell").map((c) => c.textContent);
  // When (Makassar's clock for its clinic), clinic, who, what, details, patient, outcome.
  expect(cells(0)[0]).toContain("10.05.08");
  expect(cells(0).slice(1, 3)).toEqual(["Klinik Bahagia Makassar", id.system]);
  expect(cells(0)[3]).toContain(id.act_login_failed);
  expect(lines[0].className).toBe("audit-bad");
  expect(cells(1)[0]).toContain("09.05.07");
  expect(cells(1)[2]).toBe("Admin Klinik");
  // A name the cloud has not heard: the kind and the end of the id.
  expect(cells(2)[2]).toBe(`${id.hqActorStaff} 00000001`);
  expect(cells(1)[4]).toBe(`doctor: ${id.chg_disabled}`);
  expect(cells(2)[5]).toBe("9a9a0000-0000-4000-8000-000000000009");
  // The auditor's header offers the trail alone, and no live overview is opened.
  const nav = screen.getByRole("navigation", { name: id.hqMainNav });
  expect(within(nav).getAllByRole("link").map((a) => a.textContent)).toEqual([id.auditTrail]);
  expect(FakeEventSource.open()).toBeUndefined();
  expect(screen.queryByTestId("hq-forbidden")).toBeNull();
  const asked = sent.filter((s) => s.url.startsWith("/hq/v1/audit?"));
  expect(asked.map((s) => s.url)).toEqual(["/hq/v1/audit?limit=200"]);
});

test("the clinic and action filters go to the cloud, and load more asks for the page after the last row", async () => {
  const trail = Array.from({ length: 250 }, (_, i) => row(i + 1, {}));
  const sent = theCloud("auditor", (q) => {
    if (q.get("action")) return rows.filter((r) => r.action === q.get("action"));
    const from = q.get("before") ? trail.findIndex((r) => `${r.device}:${r.seq}` === q.get("before")) + 1 : 0;
    return trail.slice(from, from + Number(q.get("limit")));
  });
  render(<Hq />);
  await screen.findByTestId("hq-audit-rows");
  const picker = screen.getByTestId("hq-audit-clinic") as HTMLSelectElement;
  expect([...picker.options].map((o) => o.textContent)).toEqual([id.hqAuditAllClinics, "Klinik Bahagia Makassar", "Klinik Sehat Sentosa"]);
  fireEvent.click(screen.getByTestId("hq-audit-more"));
  await vi.waitFor(() => expect(sent.at(-1)?.url).toBe(`/hq/v1/audit?limit=200&before=${encodeURIComponent(`${trail[199].device}:200`)}`));
  // The older rows follow the newer ones; a short page: nothing more to load.
  await vi.waitFor(() => expect(within(screen.getByTestId("hq-audit-rows")).getAllByRole("row")).toHaveLength(251));
  expect(screen.queryByTestId("hq-audit-more")).toBeNull();
  fireEvent.change(picker, { target: { value: CLINIC_A } });
  await vi.waitFor(() => expect(sent.at(-1)?.url).toBe(`/hq/v1/audit?clinic=${CLINIC_A}&limit=200`));
  expect(window.location.search).toBe(`?clinic=${CLINIC_A}`);
  // One clinic: no clinic column.
  expect(within(screen.getByTestId("hq-audit-rows")).getAllByRole("columnheader").map((h) => h.textContent)).not.toContain(id.hqClinic);
  fireEvent.change(screen.getByTestId("hq-audit-action"), { target: { value: "staff_set" } });
  await vi.waitFor(() => expect(sent.at(-1)?.url).toBe(`/hq/v1/audit?clinic=${CLINIC_A}&action=staff_set&limit=200`));
  await vi.waitFor(() => expect(screen.getAllByTestId("hq-audit-subject").map((c) => c.textContent)).toEqual([`doctor: ${id.chg_disabled}`]));
  expect(screen.queryByTestId("hq-audit-more")).toBeNull();
});

test("an answer overtaken by a newer filter is dropped: the rows are the newest filter's", async () => {
  // The first answers (every action) are held until the filtered one has landed.
  let release = () => {};
  const held = new Promise<void>((r) => (release = r));
  cloud({
    "GET /hq/v1/me": { body: { username: "audit", role: "auditor", clinics: [] } },
    "GET /hq/v1/audit/clinics": { body: clinics },
    "GET /hq/v1/audit": async (s) => {
      const action = new URLSearchParams(s.url.split("?")[1]).get("action");
      if (action) return { body: rows.filter((r) => r.action === action) };
      await held;
      return { body: rows };
    },
  });
  render(<Hq />);
  await screen.findByTestId("hq-audit-action");
  fireEvent.change(screen.getByTestId("hq-audit-action"), { target: { value: "staff_set" } });
  await vi.waitFor(() => expect(screen.getAllByTestId("hq-audit-subject").map((c) => c.textContent)).toEqual([`doctor: ${id.chg_disabled}`]));
  await act(async () => {
    release();
    // Long enough for the held answer to come back and be read.
    await new Promise((r) => setTimeout(r, 50));
  });
  const lines = within(screen.getByTestId("hq-audit-rows")).getAllByRole("row").slice(1);
  expect(lines.map((l) => l.getAttribute("data-action"))).toEqual(["staff_set"]);
  expect((screen.getByTestId("hq-audit-refresh") as HTMLButtonElement).disabled).toBe(false);
});

test("the chain's admin reaches the trail from its header, in English too", async () => {
  theCloud("chain_admin", () => []);
  render(<Hq />);
  const nav = await screen.findByRole("navigation", { name: id.hqMainNav });
  await vi.waitFor(() => expect(within(nav).getAllByRole("link").map((a) => a.textContent)).toEqual([id.hqNavOverview, id.reports, id.auditTrail]));
  expect(window.location.pathname).toBe("/hq");
  fireEvent.click(within(nav).getByRole("link", { name: id.auditTrail }));
  expect(await screen.findByTestId("hq-audit-empty")).toBeTruthy();
  act(() => {
    fireEvent.click(screen.getByRole("button", { name: id.language }));
  });
  expect(await screen.findByRole("heading", { name: en.auditTrail })).toBeTruthy();
  expect(screen.getByText(en.auditEmpty)).toBeTruthy();
});
