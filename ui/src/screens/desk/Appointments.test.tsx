import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import type { ServiceView, SlotFill } from "../../api/types";
import { catalogue, type Key, type Lang } from "../../lib/i18n";
import { Appointments, todayIn } from "./Appointments";
import { CancelDialog } from "./CancelDialog";

const words = (lang: Lang) => (k: Key) => catalogue[lang][k];
const en = catalogue.en;

const services: ServiceView[] = [{ code: "A", name_id: "Poli Umum", name_en: "General Practice", active: true, target_wait_minutes: 60, waiting: 0, estimated_wait_seconds: 0, counters: 2, step_queues: [] }];

test.each([
  ["2026-12-01T20:30:00Z", "Asia/Jakarta", "2026-12-02"],
  ["2026-12-01T20:30:00Z", "UTC", "2026-12-01"],
  ["2026-12-01T16:59:00Z", "Asia/Jakarta", "2026-12-01"],
])("at %s it is %s's %s", (at, zone, day) => {
  expect(todayIn(zone, new Date(at))).toBe(day);
});

/** A slot of 4 places, 2 of them online, with the fill given; the rest derived as the
 * node derives it. */
function slotFill(start: string, f: Partial<SlotFill>): SlotFill {
  const s = { start: `${start}:00`, end: "", places: 4, online_places: 2, booked_desk: 0, booked_online: 0, overbooked: 0, outside_schedule: false, past: false, ...f };
  const booked = s.booked_desk + s.booked_online;
  return {
    ...s,
    booked,
    free_desk: Math.max(0, s.places - s.online_places - s.booked_desk),
    free_online: Math.max(0, s.online_places - s.booked_online),
    fullness: booked > s.places ? "over_capacity" : booked === s.places ? "full" : "free",
  };
}

let booked: unknown[] = [];
let listed: string[] = [];

beforeEach(() => {
  booked = [];
  listed = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (path: string, init?: RequestInit) => {
      const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status });
      if (path === "/api/v1/clinic") return json({ name: "Klinik", time_zone: "Asia/Jakarta" });
      if (path.startsWith("/api/v1/slots"))
        return json([
          slotFill("07:45", { past: true }),
          slotFill("08:00", { booked_desk: 1 }),
          slotFill("08:15", { booked_desk: 2, booked_online: 1 }),
          slotFill("08:30", { booked_desk: 3, booked_online: 2, overbooked: 1 }),
          slotFill("08:40", { booked_desk: 1, outside_schedule: true, places: 0, online_places: 0 }),
        ]);
      if (path.startsWith("/api/v1/appointments?")) {
        listed.push(path);
        return json([]);
      }
      if (path.startsWith("/api/v1/patients?")) return json([{ id: "p-1", name: "Siti Rahayu", nik: "3174054506900001" }]);
      if (path === "/api/v1/appointments" && init?.method === "POST") {
        booked.push(JSON.parse(String(init.body)));
        if (booked.length === 1)
          return json({ id: "a-1", code: "K7M3QX", service: "A", date: "2026-12-03", slot_start: "08:00:00", slot_minutes: 15, status: "booked", patient_name: "Siti Rahayu" }, 201);
        return json({ code: "slot_full", message: "every place in this slot is booked" }, 409);
      }
      return json({ code: "not_found", message: "no" }, 404);
    }),
  );
});

async function choosePatientAndSlot() {
  fireEvent.change(screen.getByTestId("patient-q"), { target: { value: "siti" } });
  fireEvent.click(screen.getByTestId("patient-search"));
  fireEvent.click(await screen.findByText("Siti Rahayu"));
  await screen.findByTestId("chosen-patient");
  fireEvent.click(screen.getByTestId("slot-08:00"));
}

test("the list opens on the clinic's today, past slots and times outside the schedule cannot be chosen, and a refused booking clears the last code", async () => {
  render(<Appointments token="t" t={words("en")} services={services} lang="en" fail={() => {}} />);
  await waitFor(() => expect(listed.at(-1)).toBe(`/api/v1/appointments?date=${todayIn("Asia/Jakarta")}`));
  expect((screen.getByTestId("list-date") as HTMLInputElement).value).toBe(todayIn("Asia/Jakarta"));
  await screen.findByTestId("slot-08:00");
  expect((screen.getByTestId("slot-07:45") as HTMLButtonElement).disabled).toBe(true);
  expect((screen.getByTestId("slot-08:40") as HTMLButtonElement).disabled).toBe(true);
  expect(screen.getByTestId("slot-08:40").textContent).toContain(en.slotOutside);
  // Each share shown: the desk's (which the desk books) and online's.
  expect(screen.getByTestId("slot-08:00").textContent).toBe("08:00Desk 1/2Online 0/2");
  expect(screen.getByTestId("slot-08:15").textContent).toBe("08:15fullOnline 1/2");
  expect(screen.getByTestId("slot-08:30").textContent).toContain(en.slotOver);

  // Without a patient nothing is sent.
  fireEvent.click(screen.getByTestId("book"));
  expect(await screen.findByTestId("book-error")).toHaveProperty("textContent", en.choosePatientFirst);
  expect(booked).toEqual([]);

  await choosePatientAndSlot();
  fireEvent.click(screen.getByTestId("book"));
  expect((await screen.findByTestId("booked-code")).textContent).toContain("K7M3QX");
  // A slot with free desk places never asks for, nor sends, an overbooking.
  expect(booked[0]).toMatchObject({ patient: "p-1", slot_start: "08:00", service: "A", confirm_overbooking: false });

  await choosePatientAndSlot();
  fireEvent.click(screen.getByTestId("book"));
  expect((await screen.findByTestId("book-error")).textContent).toBe(en.err_slot_full);
  expect(screen.queryByTestId("booked-code")).toBeNull();
});

test("a cancellation asks for a reason and sends it trimmed", async () => {
  const confirmed: string[] = [];
  let closed = false;
  render(
    <CancelDialog
      t={words("id")}
      title="cancelTicketQ"
      what="A-012"
      onClose={() => (closed = true)}
      onConfirm={async (reason) => {
        confirmed.push(reason);
      }}
    />,
  );
  expect(screen.getByRole("dialog").textContent).toContain("A-012");
  fireEvent.click(screen.getByTestId("cancel-confirm"));
  expect((await screen.findByRole("alert")).textContent).toBe(catalogue.id.reasonRequired);
  expect(confirmed).toEqual([]);
  fireEvent.change(screen.getByLabelText(catalogue.id.cancelReason), { target: { value: "  pasien pulang " } });
  fireEvent.click(screen.getByTestId("cancel-confirm"));
  await waitFor(() => expect(confirmed).toEqual(["pasien pulang"]));
  fireEvent.click(screen.getByText(catalogue.id.back));
  expect(closed).toBe(true);
});

test("a slot whose desk places are booked takes a booking only as a confirmed overbooking", async () => {
  render(<Appointments token="t" t={words("en")} services={services} lang="en" fail={() => {}} />);
  await screen.findByTestId("slot-08:15");
  fireEvent.change(screen.getByTestId("patient-q"), { target: { value: "siti" } });
  fireEvent.click(screen.getByTestId("patient-search"));
  fireEvent.click(await screen.findByText("Siti Rahayu"));
  await screen.findByTestId("chosen-patient");
  fireEvent.click(screen.getByTestId("slot-08:15"));
  // Not ticked: refused on the screen, nothing sent.
  fireEvent.click(screen.getByTestId("book"));
  expect((await screen.findByTestId("book-error")).textContent).toBe(en.slotFullConfirm);
  expect(booked).toEqual([]);
  fireEvent.click(screen.getByTestId("overbook").querySelector("input") as HTMLInputElement);
  fireEvent.click(screen.getByTestId("book"));
  await screen.findByTestId("booked-code");
  expect(booked[0]).toMatchObject({ slot_start: "08:15", confirm_overbooking: true });
});

test("cut off from the clinic computer that counts the places, the desk books only a ticked overbooking", async () => {
  let answered = 0;
  const plain = globalThis.fetch;
  vi.stubGlobal(
    "fetch",
    vi.fn(async (path: string, init?: RequestInit) => {
      if (path === "/api/v1/appointments" && init?.method === "POST") {
        booked.push(JSON.parse(String(init.body)));
        answered += 1;
        if (answered === 1)
          return new Response(JSON.stringify({ code: "booking_authority_unreachable", message: "unreachable" }), { status: 409 });
        return new Response(JSON.stringify({ id: "a-2", code: "Q4MXT7", service: "A", date: "2026-12-03", slot_start: "08:00:00", slot_minutes: 15, status: "booked", overbooked: true }), { status: 201 });
      }
      return plain(path, init);
    }),
  );
  render(<Appointments token="t" t={words("en")} services={services} lang="en" fail={() => {}} />);
  await screen.findByTestId("slot-08:00");
  await choosePatientAndSlot();
  expect(screen.queryByTestId("overbook")).toBeNull();
  fireEvent.click(screen.getByTestId("book"));
  expect((await screen.findByTestId("book-error")).textContent).toBe(en.err_booking_authority_unreachable);
  // The patient and the time stay chosen; ticked, the same booking goes through.
  fireEvent.click(screen.getByTestId("overbook").querySelector("input") as HTMLInputElement);
  fireEvent.click(screen.getByTestId("book"));
  await screen.findByTestId("booked-code");
  expect(booked.map((b) => (b as { confirm_overbooking: boolean }).confirm_overbooking)).toEqual([false, true]);
});
