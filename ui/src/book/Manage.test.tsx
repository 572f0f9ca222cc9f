import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { BookApp } from "./BookApp";
import { words } from "./i18n";
import { zoneFromOffset } from "./Manage";
import { BOOKING, bookCloud, expectNoPatientData, freezeNow, MAKASSAR, MAKASSAR_SLOTS, makassarSlots, noAxeViolations, PATIENT, requests, slotsLoaded, text, type } from "./testBook";

const id = words.id;
const en = words.en;
const LOOKUP = "POST /api/v1/public/bookings/K7M3QX/lookup";

beforeEach(() => {
  localStorage.clear();
  sessionStorage.clear();
  requests.length = 0;
  history.replaceState(null, "", "/book/manage");
  freezeNow();
});

afterEach(() => {
  expectNoPatientData();
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

const heading = (name: string) => screen.findByRole("heading", { level: 1, name });

/** Looks K7M 3QX up, typed as a patient would. */
async function lookUp(code = "k7m 3qx", phone = "+62 812-3456-7890") {
  await heading(id.manageTitle);
  type(/^Kode booking/, code);
  type(/^Nomor HP/, phone);
  fireEvent.click(screen.getByTestId("manage-find"));
}

test("a booking looked up by its code and phone number (sent in the body), then cancelled after a confirmation", async () => {
  const sent = bookCloud({
    [LOOKUP]: { body: BOOKING },
    "POST /api/v1/public/bookings/K7M3QX/cancel": { body: { ...BOOKING, status: "cancelled" } },
  });
  render(<BookApp />);
  await heading(id.manageTitle);
  await noAxeViolations();
  await lookUp();
  await screen.findByTestId("booking");
  const lookup = sent.find((s) => s.method === "POST")!;
  expect(lookup.url).toBe("/api/v1/public/bookings/K7M3QX/lookup");
  expect(lookup.body).toEqual({ phone: "+6281234567890" });
  expect(screen.getByTestId("booking-status").textContent).toBe(id.status_booked);
  // The time in the clinic's zone, which the clinics list gives.
  expect(text(screen.getByTestId("booking-time"))).toBe("Senin, 7 Desember 2026, 08.00–08.30 WITA");
  expect(text(screen.getByTestId("booking"))).toContain("K7M 3QX");
  expect(text(screen.getByTestId("booking"))).toContain("Poli Umum");
  await noAxeViolations();
  // Cancel asks first; "no" changes nothing.
  fireEvent.click(screen.getByTestId("cancel"));
  await heading(id.cancel);
  expect(screen.getByText("Batalkan booking K7M 3QX pada Senin, 7 Desember 2026, 08.00\u2060–\u206008.30 WITA?")).toBeTruthy();
  await noAxeViolations();
  fireEvent.click(screen.getByRole("button", { name: id.cancelNo }));
  await screen.findByTestId("booking");
  expect(sent.filter((s) => s.url.endsWith("/cancel"))).toHaveLength(0);
  fireEvent.click(screen.getByTestId("cancel"));
  fireEvent.click(await screen.findByTestId("cancel-yes"));
  expect((await screen.findByTestId("cancelled")).textContent).toBe("Booking K7M 3QX sudah dibatalkan.");
  expect(screen.getByTestId("booking-status").textContent).toBe(id.status_cancelled);
  expect(sent.find((s) => s.url.endsWith("/cancel"))?.body).toEqual({ phone: "+6281234567890" });
  expect(screen.queryByTestId("cancel")).toBeNull();
  expect(screen.queryByTestId("move")).toBeNull();
  await noAxeViolations();
});

test("a booking moved to another free time; a time taken meanwhile (409) is said and the times fetched again", async () => {
  let moves = 0;
  const sent = bookCloud({
    [LOOKUP]: { body: BOOKING },
    // After the first try, 09.00 is taken.
    [MAKASSAR_SLOTS]: (s) => ({
      body: makassarSlots(new URL(s.url, "http://x").searchParams.get("date")).map((x) => (moves > 0 && x.start.endsWith("T09:00:00+08:00") ? { ...x, free: 0 } : x)),
    }),
    "POST /api/v1/public/bookings/K7M3QX/move": (s) => {
      moves += 1;
      if (moves === 1) return { status: 409, body: { code: "slot_full", message: "Penuh." } };
      const start = (s.body as { start: string }).start;
      return { body: { code: "K7M3QX", start, service: "A", qr_url: "/qr/K7M3QX.png", ics_url: "/ics/K7M3QX.ics" } };
    },
  });
  render(<BookApp />);
  await lookUp();
  fireEvent.click(await screen.findByTestId("move"));
  await heading(id.moveTitle);
  await slotsLoaded();
  expect(sent.filter((s) => s.url.includes("/slots")).map((s) => s.url)).toEqual([`/api/v1/public/clinics/${MAKASSAR.id}/slots?service=A&date=2026-12-07`]);
  // The booking's own 08.00 is marked as the patient's, not offered.
  expect(text(screen.getByRole("button", { name: /^08\.00/ }))).toBe(`08.00${id.yourTime}`);
  expect(screen.getByRole("button", { name: /^08\.00/ })).toHaveProperty("disabled", true);
  expect(screen.getByTestId("slots-summary").textContent).toBe("1 jam tersedia pada Senin, 7 Desember 2026.");
  await noAxeViolations();
  fireEvent.click(screen.getByRole("button", { name: /^09\.00/ }));
  await heading(id.move);
  expect(text(screen.getByTestId("move-to"))).toBe("Senin, 7 Desember 2026, 09.00–09.30 WITA");
  await noAxeViolations();
  fireEvent.click(screen.getByTestId("move-yes"));
  // Taken meanwhile: back to the times, fetched again, with the reason.
  await heading(id.moveTitle);
  expect((await screen.findByTestId("slot-notice")).textContent).toBe(id.err_slot_full);
  await waitFor(() => expect(sent.filter((s) => s.url.includes("/slots"))).toHaveLength(2));
  await slotsLoaded();
  expect(screen.getByRole("button", { name: /^09\.00/ })).toHaveProperty("disabled", true);
  expect(screen.getByTestId("slots-summary").textContent).toBe("Semua jam pada Senin, 7 Desember 2026 sudah penuh. Silakan pilih hari lain.");
  fireEvent.click(document.querySelector('.book-day[data-day="2026-12-10"]')!);
  await slotsLoaded();
  fireEvent.click(screen.getByRole("button", { name: /^10\.00/ }));
  fireEvent.click(await screen.findByTestId("move-yes"));
  await heading(id.moved);
  expect(sent.filter((s) => s.url.endsWith("/move")).map((s) => s.body)).toEqual([
    { phone: "+6281234567890", start: "2026-12-07T09:00:00+08:00" },
    { phone: "+6281234567890", start: "2026-12-10T10:00:00+08:00" },
  ]);
  expect(screen.getByTestId("booking-code").textContent).toBe("K7M 3QX");
  expect(screen.getByRole("img", { name: "Kode QR untuk booking K7M 3QX" }).getAttribute("src")).toBe("/qr/K7M3QX.png");
  expect(text(screen.getByTestId("visit-time"))).toBe("Kamis, 10 Desember 2026, 10.00–10.30 WITA");
  await noAxeViolations();
  // Back to the booking, at its new time.
  fireEvent.click(screen.getByRole("button", { name: id.manageTitle }));
  expect(text(await screen.findByTestId("booking-time"))).toBe("Kamis, 10 Desember 2026, 10.00–10.30 WITA");
});

test("no booking with this code and number (404), in both languages; the fields checked first", async () => {
  const sent = bookCloud({ [LOOKUP]: { status: 404, body: { code: "not_found", message: "Booking tidak ditemukan." } } });
  render(<BookApp />);
  await heading(id.manageTitle);
  fireEvent.click(screen.getByTestId("manage-find"));
  expect(screen.getByText(id.errCode)).toBeTruthy();
  expect(screen.getByText(id.errPhoneEmpty)).toBeTruthy();
  expect(document.activeElement).toBe(screen.getByLabelText(/^Kode booking/));
  type(/^Kode booking/, "K7M3QX");
  type(/^Nomor HP/, "12345");
  fireEvent.click(screen.getByTestId("manage-find"));
  expect(screen.getByText(id.errPhone)).toBeTruthy();
  expect(sent.some((s) => s.method === "POST")).toBe(false);
  type(/^Nomor HP/, PATIENT.phone);
  fireEvent.click(screen.getByTestId("manage-find"));
  expect((await screen.findByTestId("manage-refusal")).textContent).toBe(id.err_not_found);
  await noAxeViolations();
  fireEvent.click(screen.getByTestId("lang"));
  await heading(en.manageTitle);
  expect(screen.getByTestId("manage-refusal").textContent).toBe(en.err_not_found);
});

test("too many tries (429): wait N seconds, from Retry-After, and the button does nothing meanwhile", async () => {
  const sent = bookCloud({ [LOOKUP]: { status: 429, headers: { "retry-after": "30" }, body: { code: "rate_limited", message: "Terlalu banyak." } } });
  render(<BookApp />);
  await lookUp();
  expect((await screen.findByTestId("manage-refusal")).textContent).toBe("Terlalu banyak percobaan. Tunggu 30 detik, lalu coba lagi.");
  expect(screen.getByTestId("manage-find").getAttribute("aria-disabled")).toBe("true");
  fireEvent.click(screen.getByTestId("manage-find"));
  expect(sent.filter((s) => s.method === "POST")).toHaveLength(1);
  fireEvent.click(screen.getByTestId("lang"));
  expect((await screen.findByTestId("manage-refusal")).textContent).toBe("Too many tries. Please wait 30 seconds, then try again.");
});

test("no connection: said in the page's language, and trying again works", async () => {
  bookCloud();
  vi.stubGlobal("fetch", vi.fn(async () => Promise.reject(new TypeError("Failed to fetch"))));
  render(<BookApp />);
  await lookUp();
  expect((await screen.findByTestId("manage-refusal")).textContent).toBe(id.err_offline);
  fireEvent.click(screen.getByTestId("lang"));
  expect(screen.getByTestId("manage-refusal").textContent).toBe(en.err_offline);
  bookCloud({ [LOOKUP]: { body: BOOKING } });
  fireEvent.click(screen.getByTestId("manage-find"));
  await screen.findByTestId("booking");
  expect(screen.getByTestId("booking-status").textContent).toBe(en.status_booked);
});

test("no connection on the first step: said, with a way to try again", async () => {
  vi.stubGlobal("fetch", vi.fn(async () => Promise.reject(new TypeError("Failed to fetch"))));
  history.replaceState(null, "", "/book");
  render(<BookApp />);
  expect(await screen.findByText(id.err_offline)).toBeTruthy();
  bookCloud();
  fireEvent.click(screen.getByRole("button", { name: id.tryAgain }));
  expect(await screen.findByRole("button", { name: /Klinik Sehat Sentosa Makassar/ })).toBeTruthy();
});

test("a checked-in booking can no longer be changed, and a cancel refused (409) says why", async () => {
  bookCloud({
    [LOOKUP]: { body: BOOKING },
    "POST /api/v1/public/bookings/K7M3QX/cancel": { status: 409, body: { code: "already_checked_in", message: "Sudah check-in." } },
  });
  render(<BookApp />);
  await lookUp();
  fireEvent.click(await screen.findByTestId("cancel"));
  fireEvent.click(await screen.findByTestId("cancel-yes"));
  expect((await screen.findByTestId("manage-refusal")).textContent).toBe(id.err_already_checked_in);
  bookCloud({ [LOOKUP]: { body: { ...BOOKING, status: "checked_in" } } });
  fireEvent.click(screen.getByRole("button", { name: id.cancelNo }));
  fireEvent.click(await screen.findByRole("button", { name: id.otherBooking }));
  await lookUp();
  expect((await screen.findByTestId("booking-status")).textContent).toBe(id.status_checked_in);
  expect(screen.getByText(id.checkedInNote)).toBeTruthy();
  expect(screen.queryByTestId("cancel")).toBeNull();
  expect(screen.queryByTestId("move")).toBeNull();
});

test("a clinic missing from the list still has its times said in its zone, from their offset", () => {
  expect(zoneFromOffset("2026-12-07T08:00:00+08:00")).toBe("Asia/Makassar");
  expect(zoneFromOffset("2026-12-07T08:00:00+07:00")).toBe("Asia/Jakarta");
  expect(zoneFromOffset("2026-12-07T08:00:00+09:00")).toBe("Asia/Jayapura");
  expect(zoneFromOffset("2026-12-07T08:00:00+05:00")).toBe("Etc/GMT-5");
  expect(zoneFromOffset("2026-12-07T08:00:00-03:00")).toBe("Etc/GMT+3");
});
