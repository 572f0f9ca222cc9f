import { act, fireEvent, render, screen, within } from "@testing-library/react";
import type { HqTicket } from "../../api/hq";
import { catalogue } from "../../lib/i18n";
import { Hq } from "./Hq";
import { CLINIC_A, cloud, FakeEventSource, loggedIn, overview } from "./testCloud";

const id = catalogue.id;
let now = Date.now();

function ticket(label: string, status: HqTicket["status"], patch: Partial<HqTicket> = {}): HqTicket {
  return {
    id: `t-${label}`,
    label,
    service: label.split("-")[0],
    step: null,
    status,
    counter: null,
    issued_at_ms: now - 30 * 60_000,
    queued_at_ms: now - 12 * 60_000,
    called_at_ms: null,
    finished_at_ms: null,
    appointment: false,
    ...patch,
  };
}

let tickets: HqTicket[] = [];

beforeEach(() => {
  now = Date.now();
  sessionStorage.clear();
  localStorage.clear();
  FakeEventSource.all = [];
  vi.stubGlobal("EventSource", FakeEventSource);
  loggedIn();
  history.replaceState(null, "", "/hq");
  tickets = [
    ticket("A-001", "done"),
    ticket("A-002", "serving", { counter: "loket-1", called_at_ms: now - 5 * 60_000 }),
    ticket("A-003", "waiting", { queued_at_ms: now - 25 * 60_000 }),
    ticket("A-004", "waiting", { appointment: true }),
    ticket("B-001", "no_show"),
  ];
});

afterEach(() => vi.unstubAllGlobals());

function theCloud() {
  return cloud({
    "GET /hq/v1/me": { body: { username: "hq-admin", role: "chain_admin", clinics: [] } },
    "GET /hq/v1/clinics": { body: [overview(CLINIC_A, "Klinik Sehat Sentosa", { waiting: 2, devices: [{ id: "d1", name: "kiosk-1", last_seen_ms: now }] })] },
    [`GET /hq/v1/clinics/${CLINIC_A}/tickets`]: () => ({ body: tickets }),
    [`GET /hq/v1/clinics/${CLINIC_A}/devices`]: {
      body: [
        { id: "d1", clinic: CLINIC_A, name: "kiosk-1", slot: 1, revoked: false },
        { id: "d9", clinic: CLINIC_A, name: "kiosk-lama", slot: 9, revoked: true },
      ],
    },
    [`GET /hq/v1/clinics/${CLINIC_A}/configuration`]: {
      body: {
        services: [{ code: "A", name_id: "Poli Umum", name_en: "General clinic", active: true, target_wait_minutes: 30 }],
        counters: [{ id: "loket-1", name: "Loket 1", services: ["A"] }],
      },
    },
  });
}

test("one click from the overview: the clinic's queues by service and status, read-only, live", async () => {
  const sent = theCloud();
  render(<Hq />);
  fireEvent.click(await screen.findByRole("link", { name: "Klinik Sehat Sentosa" }));
  expect(window.location.pathname).toBe(`/hq/clinics/${CLINIC_A}`);
  expect((await screen.findByTestId("hq-clinic-name")).textContent).toBe("Klinik Sehat Sentosa");
  const a = await screen.findByTestId("hq-queue-A");
  expect(within(a).getByTestId("queue-waiting").textContent).toBe("2");
  // Named as the clinic named them; a service the cloud does not name keeps its code.
  await within(a).findByText("Poli Umum");
  expect(within(screen.getByTestId("hq-queue-B")).getByRole("heading").textContent).toBe("BB0");
  // Longest waiting first, with how long each has waited; then who is at a counter.
  expect([...a.querySelectorAll("ol")[0].querySelectorAll("li")].map((li) => li.textContent)).toEqual(["A-00325 mnt", `A-004${id.hqAppointment}12 mnt`]);
  expect(a.querySelectorAll("ol")[1].textContent).toContain("A-002Sedang dilayani di Loket 1");
  expect(within(a).getByTestId("queue-finished").textContent).toBe("Selesai 1 · Tidak hadir 0 · Dibatalkan 0 · Dialihkan 0");
  expect(within(screen.getByTestId("hq-queue-B")).getByTestId("queue-finished").textContent).toContain("Tidak hadir 1");
  expect(screen.getByText("kiosk-lama").closest("li")?.textContent).toContain(id.hqRevoked);
  const day = sent.find((s) => s.url.includes("/tickets?"));
  expect(day?.url).toBe(`/hq/v1/clinics/${CLINIC_A}/tickets?date=2026-12-03`);
  // The clinic's `overview` event: its tickets read again.
  tickets = [...tickets, ticket("A-005", "waiting")];
  const before = sent.filter((s) => s.url.includes("/tickets?")).length;
  act(() => FakeEventSource.open()?.emit("overview", overview(CLINIC_A, "Klinik Sehat Sentosa", { waiting: 3 })));
  await vi.waitFor(() => expect(within(screen.getByTestId("hq-queue-A")).getByTestId("queue-waiting").textContent).toBe("3"));
  expect(sent.filter((s) => s.url.includes("/tickets?")).length).toBe(before + 1);
  expect(screen.getByTestId("clinic-waiting").textContent).toContain("3");
});

test("another day from the date picker, in the address too, and back to today", async () => {
  history.replaceState(null, "", `/hq/clinics/${CLINIC_A}`);
  const sent = theCloud();
  render(<Hq />);
  await screen.findByTestId("hq-queue-A");
  fireEvent.change(screen.getByTestId("hq-day"), { target: { value: "2026-12-01" } });
  await vi.waitFor(() => expect(sent.at(-1)?.url).toBe(`/hq/v1/clinics/${CLINIC_A}/tickets?date=2026-12-01`));
  expect(window.location.search).toBe("?date=2026-12-01");
  expect(screen.getByText(id.hqPastDay)).toBeTruthy();
  fireEvent.click(screen.getByTestId("hq-today"));
  expect(window.location.search).toBe("");
  await vi.waitFor(() => expect(sent.at(-1)?.url).toContain("date=2026-12-03"));
});
