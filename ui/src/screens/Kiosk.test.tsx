import { act, fireEvent, render, screen } from "@testing-library/react";
import type { ServiceView, TicketView } from "../api/types";
import { IDLE_MS, Kiosk, printMessage } from "./Kiosk";

class FakeEventSource {
  addEventListener() {}
  close() {}
  onerror: (() => void) | null = null;
}

const services: ServiceView[] = [
  { code: "A", name_id: "Poli Umum", name_en: "General Practice", active: true, target_wait_minutes: 60, waiting: 3, estimated_wait_seconds: 600, counters: 2, step_queues: [] },
  { code: "B", name_id: "Poli Gigi", name_en: "Dental Clinic", active: true, target_wait_minutes: 60, waiting: 0, estimated_wait_seconds: 0, counters: 1, step_queues: [] },
  // Closed, and open but served by no counter: neither is offered.
  { code: "C", name_id: "KIA", name_en: "Maternal & Child Health", active: false, target_wait_minutes: 60, waiting: 0, estimated_wait_seconds: 0, counters: 1, step_queues: [] },
  { code: "P", name_id: "Poli Anak", name_en: "Paediatrics", active: true, target_wait_minutes: 60, waiting: 0, estimated_wait_seconds: 0, counters: 0, step_queues: [] },
];

function ticket(print: TicketView["print"]): TicketView {
  return {
    id: "0b9f0000-0000-4000-8000-000000000001",
    label: "A-004",
    service: "A",
    service_name_id: "Poli Umum",
    service_name_en: "General Practice",
    status: "waiting",
    position: 4,
    people_ahead: 3,
    estimated_wait_seconds: 600,
    issued_at: new Date().toISOString(),
    recalls: 0,
    conflicts: [],
    visit: "0b9f0000-0000-4000-8000-000000000002",
    print,
  };
}

let posted: unknown[] = [];
let clinic: Record<string, unknown> = {};

beforeEach(() => {
  posted = [];
  clinic = { name: "Klinik Sehat Sentosa" };
  localStorage.clear();
  history.replaceState(null, "", "/kiosk#token=kiosk-token");
  vi.stubGlobal("EventSource", FakeEventSource);
  vi.stubGlobal(
    "fetch",
    vi.fn(async (path: string, init?: RequestInit) => {
      const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status });
      if (path === "/api/v1/services") return json(services);
      if (path === "/api/v1/clinic") return json(clinic);
      if (path === "/api/v1/tickets" && init?.method === "POST") {
        const body = JSON.parse(String(init.body));
        posted.push(body);
        return json({ ...ticket({ status: "queued", fault: "paper out" }), priority: body.priority ?? null }, 201);
      }
      if (path.startsWith("/api/v1/tickets/")) return json(ticket({ status: "queued", fault: "paper out" }));
      return json({ code: "not_found", message: "no" }, 404);
    }),
  );
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

test("a walk-in takes a ticket in two taps and is told to note the number when the printer fails", async () => {
  render(<Kiosk />);
  fireEvent.click(await screen.findByTestId("service-A"));
  fireEvent.click(screen.getByTestId("lane-none"));
  expect(await screen.findByTestId("ticket-label")).toHaveProperty("textContent", "A-004");
  expect(posted).toEqual([{ service: "A" }]);
  expect(screen.getByTestId("print-state").textContent).toBe("Printer sedang bermasalah. Silakan catat nomor Anda.");
  expect(screen.getByText("orang di depan Anda")).toBeTruthy();
});

test("only services a patient can be called for are offered", async () => {
  render(<Kiosk />);
  expect(await screen.findByTestId("service-A")).toBeTruthy();
  expect(screen.getByTestId("service-B")).toBeTruthy();
  expect(screen.queryByTestId("service-C")).toBeNull();
  expect(screen.queryByTestId("service-P")).toBeNull();
});

test("the priority lane is sent with the ticket, and English is one tap away", async () => {
  render(<Kiosk />);
  fireEvent.click(await screen.findByTestId("lang"));
  expect(screen.getByText("Choose a service")).toBeTruthy();
  fireEvent.click(await screen.findByTestId("service-A"));
  fireEvent.click(screen.getByTestId("lane-elderly"));
  await screen.findByTestId("ticket-label");
  expect(posted).toEqual([{ service: "A", priority: "elderly" }]);
  expect(screen.getByText("Elderly")).toBeTruthy();
});

test("the kiosk goes back home by itself when nobody touches it", async () => {
  vi.useFakeTimers({ shouldAdvanceTime: true });
  render(<Kiosk />);
  fireEvent.click(await screen.findByTestId("service-A"));
  fireEvent.click(screen.getByTestId("lane-none"));
  await screen.findByTestId("ticket-label");
  await act(async () => {
    vi.advanceTimersByTime(IDLE_MS.ticket + 100);
  });
  expect(screen.queryByTestId("ticket-label")).toBeNull();
  expect(screen.getByText("Pilih layanan")).toBeTruthy();
});

test("the next patient finds the kiosk in the clinic's language after the last one chose English", async () => {
  vi.useFakeTimers({ shouldAdvanceTime: true });
  render(<Kiosk />);
  fireEvent.click(await screen.findByTestId("lang"));
  fireEvent.click(await screen.findByTestId("service-A"));
  fireEvent.click(screen.getByTestId("lane-none"));
  await screen.findByTestId("ticket-label");
  expect(screen.getByText("Your queue number")).toBeTruthy();
  await act(async () => {
    vi.advanceTimersByTime(IDLE_MS.ticket + 100);
  });
  expect(screen.getByText("Pilih layanan")).toBeTruthy();
  expect(document.documentElement.lang).toBe("id");
  // English chosen and then left on the home screen goes back as well.
  fireEvent.click(screen.getByTestId("lang"));
  expect(screen.getByText("Choose a service")).toBeTruthy();
  await act(async () => {
    vi.advanceTimersByTime(IDLE_MS.other + 100);
  });
  expect(screen.getByText("Pilih layanan")).toBeTruthy();
});

test("an appointment is checked in with the code a scanner types", async () => {
  render(<Kiosk />);
  fireEvent.click(await screen.findByTestId("have-appointment"));
  const input = screen.getByTestId("booking-code");
  fireEvent.change(input, { target: { value: "abc123" } });
  fireEvent.submit(input.closest("form")!);
  await screen.findByTestId("ticket-label");
  expect(posted).toEqual([{ appointment_code: "ABC123" }]);
});

test("a patient without a keyboard types the code on the screen's keys", async () => {
  render(<Kiosk />);
  fireEvent.click(await screen.findByTestId("have-appointment"));
  const input = screen.getByTestId("booking-code") as HTMLInputElement;
  // No look-alike characters on the keys: no 0/O, 1/I, 2/Z, 5/S, 8/B.
  for (const missing of ["O", "0", "I", "1", "Z", "2", "S", "5", "B", "8"]) expect(screen.queryByTestId(`key-${missing}`)).toBeNull();
  for (const k of ["K", "7", "M", "3", "Q", "A"]) fireEvent.click(screen.getByTestId(`key-${k}`));
  fireEvent.click(screen.getByTestId("key-backspace"));
  fireEvent.click(screen.getByTestId("key-X"));
  expect(input.value).toBe("K7M3QX");
  fireEvent.click(screen.getByTestId("check-in"));
  await screen.findByTestId("ticket-label");
  expect(posted).toEqual([{ appointment_code: "K7M3QX" }]);
});

test("print messages follow the print state", () => {
  expect(printMessage(ticket({ status: "printed" }), 0)).toBe("printed");
  expect(printMessage(ticket({ status: "queued" }), 1_000)).toBe("printing");
  expect(printMessage(ticket({ status: "queued" }), 7_000)).toBe("printerProblem");
  expect(printMessage(ticket({ status: "queued", fault: "offline" }), 0)).toBe("printerProblem");
});

test("a clinic that set English for its patients has the kiosk start in English and go back to it", async () => {
  vi.useFakeTimers({ shouldAdvanceTime: true });
  clinic = { name: "Klinik Sehat Sentosa", time_zone: "Asia/Jakarta", language: "en" };
  render(<Kiosk />);
  expect(await screen.findByText("Choose a service")).toBeTruthy();
  expect(document.documentElement.lang).toBe("en");
  // A patient who switches to Bahasa Indonesia leaves it for the next one in English.
  fireEvent.click(screen.getByTestId("lang"));
  expect(screen.getByText("Pilih layanan")).toBeTruthy();
  await act(async () => {
    vi.advanceTimersByTime(IDLE_MS.other + 100);
  });
  expect(screen.getByText("Choose a service")).toBeTruthy();
});
