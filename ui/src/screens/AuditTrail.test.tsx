import { fireEvent, render, screen, within } from "@testing-library/react";
import type { AuditRow, DeviceView, StaffView } from "../api/types";
import { catalogue, type Key } from "../lib/i18n";
import { AuditTrail, auditQuery, EMPTY_FORM, zonedMs } from "./AuditTrail";
import { changeWords } from "./auditWords";

const staff: StaffView[] = [{ id: "7d3c0000-0000-4000-8000-000000000001", username: "desk", display_name: "Dewi (loket)", role: "desk", active: true }];
const devices: DeviceView[] = [{ id: "7d3c0000-0000-4000-8000-0000000000aa", name: "Kiosk lobi", role: "kiosk", revoked: false }];
const t = (k: Key) => catalogue.en[k];
const at = Date.UTC(2026, 11, 1, 2, 5, 9); // 09:05:09 in Jakarta

const rows: AuditRow[] = [
  { at_ms: at, device: "node-1", seq: 9, actor: "system", action: "login_failed", patient: null, subject: "desk", changes: [], outcome: "failed" },
  { at_ms: at - 1000, device: "node-1", seq: 8, actor: "system", action: "account_locked", patient: null, subject: "nurse", changes: [], outcome: "denied" },
  { at_ms: at - 2000, device: "node-1", seq: 7, actor: `staff:${staff[0].id}`, action: "login", patient: null, subject: "desk", changes: [], outcome: "ok" },
  { at_ms: at - 3000, device: "node-1", seq: 6, actor: `device:${devices[0].id}`, action: "fancy_new_thing", patient: null, subject: null, changes: [], outcome: "ok" },
];

let requested: string[] = [];
let answer: AuditRow[] = rows;

beforeEach(() => {
  requested = [];
  answer = rows;
  vi.stubGlobal(
    "fetch",
    vi.fn(async (path: string) => {
      requested.push(path);
      return new Response(JSON.stringify(answer), { status: 200 });
    }),
  );
});

afterEach(() => vi.unstubAllGlobals());

const JAKARTA = "Asia/Jakarta";

test.each([
  [{}, "limit=200"],
  [{ action: "login_failed" }, "limit=200&action=login_failed"],
  [{ action: "__other", other: "  custom_action " }, "limit=200&action=custom_action"],
  [{ action: "__other", other: "" }, "limit=200"],
  [{ actor: "system", patient: " 0b9f0000-0000-4000-8000-000000000003 " }, "limit=200&actor=system&patient=0b9f0000-0000-4000-8000-000000000003"],
  [{ since: "2026-12-01T08:30" }, `limit=200&since_ms=${Date.UTC(2026, 11, 1, 1, 30)}`],
  [{ since: "not a time" }, "limit=200"],
])("the filters %j give the query %s", (patch, query) => {
  expect(auditQuery({ ...EMPTY_FORM, ...patch }, JAKARTA)).toBe(query);
});

test.each([
  ["2026-12-01T08:30", "Asia/Jakarta", Date.UTC(2026, 11, 1, 1, 30)],
  ["2026-12-01T08:30", "Asia/Makassar", Date.UTC(2026, 11, 1, 0, 30)],
  ["2026-07-01T12:00", "Europe/Amsterdam", Date.UTC(2026, 6, 1, 10, 0)],
  ["2026-01-01T12:00", "Europe/Amsterdam", Date.UTC(2026, 0, 1, 11, 0)],
])("%s in %s is the clinic's wall clock", (local, zone, ms) => {
  expect(zonedMs(local, zone)).toBe(ms);
});

test("the form's filters go to the node, and refusals and failures are marked", async () => {
  render(<AuditTrail token="tok" t={t} lang="en" timeZone={JAKARTA} staff={staff} devices={devices} fail={(e) => { throw e; }} />);
  const table = await screen.findByTestId("audit-rows");
  expect(requested).toEqual(["/api/v1/audit?limit=200"]);

  const lines = within(table).getAllByRole("row").slice(1);
  expect(lines.map((l) => l.getAttribute("data-outcome"))).toEqual(["failed", "denied", "ok", "ok"]);
  expect(lines[0].className).toBe("audit-bad");
  expect(within(lines[0]).getByText("Failed login")).toBeTruthy();
  expect(lines[0].textContent).toContain("Failed");
  expect(lines[0].textContent).toContain("09:05:09");
  expect(lines[1].className).toBe("audit-bad");
  expect(lines[1].textContent).toContain("Denied");
  expect(lines[2].className).toBe("");
  expect(lines[2].textContent).toContain("Dewi (loket)");
  expect(lines[2].textContent).toContain("Logged in");
  expect(lines[3].textContent).toContain("Kiosk lobi");
  expect(lines[3].textContent).toContain("fancy_new_thing");

  fireEvent.change(screen.getByTestId("audit-action"), { target: { value: "login" } });
  fireEvent.change(screen.getByTestId("audit-actor"), { target: { value: `staff:${staff[0].id}` } });
  answer = [];
  fireEvent.click(screen.getByTestId("audit-apply"));
  await screen.findByTestId("audit-empty");
  expect(requested[1]).toBe(`/api/v1/audit?limit=200&action=login&actor=staff%3A${staff[0].id}`);
  expect(screen.getByTestId("audit-empty").textContent).toBe("No entries match these filters.");

  fireEvent.click(screen.getByTestId("audit-refresh"));
  await vi.waitFor(() => expect(requested).toHaveLength(3));
  expect(requested[2]).toBe(requested[1]);
});

test.each([
  ["en", ["disabled"], "disabled"],
  ["id", ["disabled"], "dinonaktifkan"],
  ["en", ["role:admin", "name"], "role Admin, renamed"],
  ["id", ["created", "services:A,B"], "dibuat, melayani A, B"],
  ["en", ["time_zone:Asia/Makassar"], "time zone Asia/Makassar"],
  ["en", ["brand_new:x"], "brand_new:x"],
] as const)("in %s the changes %j read %s", (lang, changes, text) => {
  expect(changes.map((c) => changeWords(c, (k: Key) => catalogue[lang][k])).join(", ")).toBe(text);
});

test("a staff change names the account and what was done to it", async () => {
  answer = [{ at_ms: at, device: "node-1", seq: 10, actor: `staff:${staff[0].id}`, action: "staff_set", patient: null, subject: "doctor", changes: ["password_reset"], outcome: "ok" }];
  render(<AuditTrail token="tok" t={(k: Key) => catalogue.id[k]} lang="id" timeZone={JAKARTA} staff={staff} devices={devices} fail={(e) => { throw e; }} />);
  const table = await screen.findByTestId("audit-rows");
  expect(within(table).getByTestId("audit-subject").textContent).toBe("doctor: kata sandi diatur ulang");
});
