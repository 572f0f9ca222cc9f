import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { BookApp } from "./BookApp";
import { words } from "./i18n";
import { BOOKING, bookCloud, expectNoPatientData, freezeNow, JAKARTA, MAKASSAR, MAKASSAR_SLOTS, makassarSlots, PATIENT, requests, slotsLoaded, text, type, noAxeViolations } from "./testBook";

const id = words.id;
const en = words.en;
const CONFIRMED = { code: "K7M3QX", start: "2026-12-07T08:00:00+08:00", service: "A", qr_url: "/api/v1/public/bookings/K7M3QX/qr.png", ics_url: "/api/v1/public/bookings/K7M3QX/booking.ics" };

beforeEach(() => {
  localStorage.clear();
  sessionStorage.clear();
  requests.length = 0;
  history.replaceState(null, "", "/book");
  freezeNow();
});

afterEach(() => {
  // Whatever the test did, nothing of the patient's went into a URL or into storage.
  expectNoPatientData();
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

/** An element's name as a screen reader says it: without what is aria-hidden. */
function spoken(el: Element): string {
  const copy = el.cloneNode(true) as Element;
  copy.querySelectorAll("[aria-hidden=true]").forEach((x) => x.remove());
  return text(copy).trim();
}

const heading = (name: string) => screen.findByRole("heading", { level: 1, name });

/** From the first step to the details of Makassar's Poli Umum at 08.00 today. */
async function toDetails() {
  fireEvent.click(await screen.findByRole("button", { name: /Klinik Sehat Sentosa Makassar/ }));
  fireEvent.click(await screen.findByRole("button", { name: "Poli Umum" }));
  await heading(id.chooseTime);
  await slotsLoaded();
  fireEvent.click(screen.getByRole("button", { name: /^08\.00/ }));
  await heading(id.yourDetails);
}

test("the phone is in another zone than the clinic (the tests below would prove nothing otherwise)", () => {
  expect(Intl.DateTimeFormat().resolvedOptions().timeZone).toBe("America/Los_Angeles");
  expect(new Date().getDate()).toBe(6); // the phone's Sunday; Makassar's Monday the 7th
});

test("a booking at a clinic in Asia/Makassar: its today, its times, and a confirmation with the code, QR code and the time in WITA", async () => {
  const sent = bookCloud({ "POST /api/v1/public/bookings": { status: 201, body: CONFIRMED } });
  render(<BookApp />);
  // 1. The clinics, with their services in the page's language.
  const clinic = await screen.findByRole("button", { name: /Klinik Sehat Sentosa Makassar/ });
  expect(text(clinic)).toBe("Klinik Sehat Sentosa MakassarPoli Umum · Poli Gigi");
  expect(screen.getByText(id.stepOf.replace("{n}", "1"))).toBeTruthy();
  await noAxeViolations();
  fireEvent.click(clinic);
  // 2. Its services; the step starts, for the keyboard and screen reader, at its title.
  const title = await heading(id.chooseService);
  expect(document.activeElement).toBe(title);
  expect(within(screen.getByTestId("services")).getAllByRole("button").map(text)).toEqual(["Poli Umum", "Poli Gigi"]);
  await noAxeViolations();
  fireEvent.click(screen.getByRole("button", { name: "Poli Umum" }));
  // 3. Fourteen days from the clinic's today (Monday 7th), not the phone's (Sunday 6th).
  await heading(id.chooseTime);
  const days = document.querySelectorAll(".book-day");
  expect(days).toHaveLength(14);
  expect(days[0].getAttribute("data-day")).toBe("2026-12-07");
  expect(days[0].getAttribute("aria-pressed")).toBe("true");
  expect(text(days[0])).toBe("Hari ini7 Des");
  expect(text(days[1])).toBe("Besok8 Des");
  expect(text(days[13])).toBe("Min20 Des");
  await slotsLoaded();
  const asked = sent.filter((s) => s.url.includes("/slots"));
  expect(asked.map((s) => s.url)).toEqual([`/api/v1/public/clinics/${MAKASSAR.id}/slots?service=A&date=2026-12-07`]);
  expect(asked[0].headers["accept-language"]).toBe("id");
  // The clinic's 07.00 has begun (it is 07.30 there): not offered. Full times are shown, off.
  expect(screen.getByTestId("slots-summary").textContent).toBe("2 jam tersedia pada Senin, 7 Desember 2026.");
  expect(within(screen.getByTestId("slots")).getAllByRole("button").map((b) => [text(b), (b as HTMLButtonElement).disabled])).toEqual([
    ["08.002 tempat lagi", false],
    ["08.30Penuh", true],
    ["09.001 tempat lagi", false],
  ]);
  expect(screen.getByText("Semua jam menurut waktu klinik (WITA).")).toBeTruthy();
  await noAxeViolations();
  fireEvent.click(screen.getByRole("button", { name: /^08\.00/ }));
  // 4. The details.
  await heading(id.yourDetails);
  expect(text(screen.getByTestId("chosen-time"))).toBe("Senin, 7 Desember 2026, 08.00–08.30 WITA");
  type(/^Nama lengkap/, `  ${PATIENT.name} `);
  type(/^Nomor HP/, PATIENT.phone);
  type(/^NIK/, "3173 0123 4567 8901");
  const consent = screen.getByLabelText(id.consent) as HTMLInputElement;
  expect(consent.checked).toBe(false);
  fireEvent.click(consent);
  await noAxeViolations();
  fireEvent.click(screen.getByTestId("book-submit"));
  // 5. The confirmation.
  await heading(id.booked);
  const post = sent.find((s) => s.method === "POST");
  expect(post?.url).toBe("/api/v1/public/bookings");
  expect(post?.body).toEqual({ clinic: MAKASSAR.id, service: "A", start: "2026-12-07T08:00:00+08:00", name: PATIENT.name, phone: "+6281234567890", nik: PATIENT.nik, consent_messages: true });
  expect(screen.getByTestId("booking-code").textContent).toBe("K7M 3QX");
  const qr = screen.getByRole("img", { name: "Kode QR untuk booking K7M 3QX" });
  expect(qr.getAttribute("src")).toBe(CONFIRMED.qr_url);
  expect(text(screen.getByTestId("visit-time"))).toBe("Senin, 7 Desember 2026, 08.00–08.30 WITA");
  expect(text(screen.getByTestId("visit"))).toContain("Klinik Sehat Sentosa Makassar");
  expect(text(screen.getByTestId("visit"))).toContain("Poli Umum");
  expect(screen.getByTestId("ics").getAttribute("href")).toBe(CONFIRMED.ics_url);
  expect(screen.getByTestId("ics").textContent).toBe(id.addToCalendar);
  expect(screen.getByText(id.atKiosk)).toBeTruthy();
  await noAxeViolations();
});

test("the form's refusals in Bahasa Indonesia and in English, and the server's 422 at its field in the language asked for", async () => {
  const sent = bookCloud({
    "POST /api/v1/public/bookings": { status: 422, body: { code: "validation_failed", field: "name", message: "The name may hold at most 100 characters." } },
  });
  render(<BookApp />);
  await toDetails();
  fireEvent.click(screen.getByTestId("book-submit"));
  expect(screen.getByText(id.errName)).toBeTruthy();
  expect(screen.getByText(id.errPhoneEmpty)).toBeTruthy();
  expect(document.activeElement).toBe(screen.getByLabelText(/^Nama lengkap/));
  expect(sent.some((s) => s.method === "POST")).toBe(false);
  // Each message belongs to its field for a screen reader.
  const name = screen.getByLabelText(/^Nama lengkap/);
  expect(name.getAttribute("aria-invalid")).toBe("true");
  expect(name.getAttribute("aria-describedby")).toBe("book-name-hint book-name-error");
  expect(document.getElementById("book-name-error")?.textContent).toBe(id.errName);
  // Once tried, each answer is checked again as it is typed.
  type(/^Nomor HP/, "0712 3456 7890");
  expect(screen.getByText(id.errPhone)).toBeTruthy();
  type(/^NIK/, "31730123");
  type(/^Nomor kartu BPJS/, "12345");
  expect(screen.getByText(id.errNik)).toBeTruthy();
  expect(screen.getByText(id.errBpjs)).toBeTruthy();
  // The same refusals in English.
  fireEvent.click(screen.getByTestId("lang"));
  await heading(en.yourDetails);
  for (const key of ["errName", "errPhone", "errNik", "errBpjs"] as const) expect(screen.getByText(en[key])).toBeTruthy();
  expect(screen.queryByText(id.errName)).toBeNull();
  // Fixed, sent: the cloud's 422 (asked in English) shows at the field it names.
  type(/^Full name/, "x".repeat(100));
  type(/^Mobile number/, "+62 812-3456-7890");
  type(/^NIK/, "");
  type(/^BPJS/, PATIENT.bpjs);
  fireEvent.click(screen.getByTestId("book-submit"));
  await screen.findByText("The name may hold at most 100 characters.");
  const post = sent.find((s) => s.method === "POST")!;
  expect(post.headers["accept-language"]).toBe("en");
  expect(post.body).toMatchObject({ phone: "+6281234567890", bpjs: PATIENT.bpjs, consent_messages: false });
  expect(post.body).not.toHaveProperty("nik");
  expect(document.getElementById("book-name-error")?.textContent).toBe("The name may hold at most 100 characters.");
  expect(document.activeElement).toBe(screen.getByLabelText(/^Full name/));
  await noAxeViolations();
});

test("a time taken meanwhile (409): back to the times, fetched again, said so, the form kept", async () => {
  let taken = false;
  const sent = bookCloud({
    [MAKASSAR_SLOTS]: (s) => {
      const day = new URL(s.url, "http://x").searchParams.get("date");
      return { body: makassarSlots(day).map((x) => (taken && x.start.endsWith("T08:00:00+08:00") ? { ...x, free: 0 } : x)) };
    },
    "POST /api/v1/public/bookings": (s) => {
      const body = s.body as { start: string };
      if (body.start.endsWith("T08:00:00+08:00")) {
        taken = true;
        return { status: 409, body: { code: "slot_full", message: "Jam ini sudah penuh." } };
      }
      return { status: 201, body: { ...CONFIRMED, start: body.start } };
    },
  });
  render(<BookApp />);
  await toDetails();
  type(/^Nama lengkap/, PATIENT.name);
  type(/^Nomor HP/, PATIENT.phone);
  const before = sent.filter((s) => s.url.includes("/slots")).length;
  fireEvent.click(screen.getByTestId("book-submit"));
  await heading(id.chooseTime);
  expect((await screen.findByTestId("slot-notice")).textContent).toBe(id.err_slot_full);
  await waitFor(() => expect(screen.getByRole("button", { name: /^08\.00/ })).toHaveProperty("disabled", true));
  expect(sent.filter((s) => s.url.includes("/slots")).length).toBe(before + 1);
  expect(text(screen.getByRole("button", { name: /^08\.00/ }))).toBe("08.00Penuh");
  await noAxeViolations();
  // Another time: the details are still there.
  fireEvent.click(screen.getByRole("button", { name: /^09\.00/ }));
  await heading(id.yourDetails);
  expect((screen.getByLabelText(/^Nama lengkap/) as HTMLInputElement).value).toBe(PATIENT.name);
  fireEvent.click(screen.getByTestId("book-submit"));
  await heading(id.booked);
  expect(text(screen.getByTestId("visit-time"))).toBe("Senin, 7 Desember 2026, 09.00–09.30 WITA");
});

test("a closed day and a full day say so, and offer the next day", async () => {
  bookCloud();
  render(<BookApp />);
  fireEvent.click(await screen.findByRole("button", { name: /Klinik Sehat Sentosa Makassar/ }));
  fireEvent.click(await screen.findByRole("button", { name: "Poli Umum" }));
  await slotsLoaded();
  fireEvent.click(screen.getByRole("button", { name: /^Besok/ }));
  await slotsLoaded();
  expect(screen.getByTestId("slots-summary").textContent).toBe("Klinik tutup pada Selasa, 8 Desember 2026. Silakan pilih hari lain.");
  expect(screen.queryByTestId("slots")).toBeNull();
  fireEvent.click(screen.getByRole("button", { name: `${id.nextDay} →` }));
  await slotsLoaded();
  expect(screen.getByTestId("slots-summary").textContent).toBe("Semua jam pada Rabu, 9 Desember 2026 sudah penuh. Silakan pilih hari lain.");
  expect(document.querySelector('.book-day[aria-pressed="true"]')?.getAttribute("data-day")).toBe("2026-12-09");
  await noAxeViolations();
  fireEvent.click(screen.getByRole("button", { name: `${id.nextDay} →` }));
  await slotsLoaded();
  expect(screen.getByTestId("slots-summary").textContent).toBe("1 jam tersedia pada Kamis, 10 Desember 2026.");
  expect(text(screen.getByRole("button", { name: /^10\.00/ }))).toBe("10.004 tempat lagi");
});

test("each clinic's times in its own zone: Jakarta's 08.00 is WIB", async () => {
  bookCloud({ [`GET /api/v1/public/clinics/${JAKARTA.id}/slots`]: { body: [{ start: "2026-12-07T08:00:00+07:00", end: "2026-12-07T08:30:00+07:00", free: 1 }] } });
  render(<BookApp />);
  fireEvent.click(await screen.findByRole("button", { name: /Menteng/ }));
  fireEvent.click(await screen.findByRole("button", { name: "Poli Umum" }));
  await slotsLoaded();
  expect(screen.getByText("Semua jam menurut waktu klinik (WIB).")).toBeTruthy();
  fireEvent.click(screen.getByRole("button", { name: /^08\.00/ }));
  await heading(id.yourDetails);
  expect(text(screen.getByTestId("chosen-time"))).toBe("Senin, 7 Desember 2026, 08.00–08.30 WIB");
});

test("the language switch: English at once, remembered in localStorage, asked for in Accept-Language", async () => {
  const sent = bookCloud();
  const { unmount } = render(<BookApp />);
  await screen.findByRole("button", { name: /Klinik Sehat Sentosa Makassar/ });
  expect(document.documentElement.lang).toBe("id");
  const toggle = screen.getByTestId("lang");
  expect(toggle.textContent).toBe("English");
  expect(toggle.getAttribute("lang")).toBe("en");
  fireEvent.click(toggle);
  await heading(en.chooseClinic);
  expect(document.documentElement.lang).toBe("en");
  expect(localStorage.getItem("medicloud.lang")).toBe("en");
  expect(text(screen.getByRole("button", { name: /Makassar/ }))).toContain("General practice · Dental clinic");
  fireEvent.click(screen.getByRole("button", { name: /Makassar/ }));
  fireEvent.click(await screen.findByRole("button", { name: "General practice" }));
  await slotsLoaded();
  expect(screen.getByTestId("slots-summary").textContent).toBe("2 times free on Monday, 7 December 2026.");
  expect(sent.at(-1)?.headers["accept-language"]).toBe("en");
  unmount();
  render(<BookApp />);
  await heading(en.chooseClinic);
});

test("keyboard: every control of the form is in the tab order, in reading order, each with its label", async () => {
  bookCloud();
  render(<BookApp />);
  await toDetails();
  const tabbable = [...document.querySelectorAll<HTMLElement>("a[href], button, input, select, textarea, [tabindex]")].filter(
    (el) => el.tabIndex >= 0 && !(el as HTMLButtonElement).disabled && !el.closest("[hidden]"),
  );
  // Nothing jumps the order: the tab order is the page's reading order.
  expect([...document.querySelectorAll("[tabindex]")].every((el) => Number(el.getAttribute("tabindex")) <= 0)).toBe(true);
  const named = tabbable.map((el) => (el instanceof HTMLInputElement ? (el.labels?.[0]?.textContent ?? "") : spoken(el)));
  expect(named).toEqual([
    "Medicloud",
    "English",
    "Kembali",
    id.changeTime,
    "Nama lengkap (wajib)",
    "Nomor HP (wajib)",
    "NIK (tidak wajib)",
    "Nomor kartu BPJS Kesehatan (tidak wajib)",
    id.consent,
    id.book,
  ]);
  // Every control of the form is a native one (Enter and Space work on it), none left out.
  const form = document.querySelector("form")!;
  for (const el of form.querySelectorAll("input, button")) expect(tabbable).toContain(el);
  expect(form.querySelectorAll("[onclick], [role=button]")).toHaveLength(0);
  // While a booking is being sent the button keeps the focus (it is never `disabled`).
  expect(screen.getByTestId("book-submit").hasAttribute("disabled")).toBe(false);
});

test("the phone's back button goes back a step; back from the confirmation starts afresh", async () => {
  bookCloud({ "POST /api/v1/public/bookings": { status: 201, body: CONFIRMED } });
  render(<BookApp />);
  await toDetails();
  act(() => history.back());
  await heading(id.chooseTime);
  act(() => history.back());
  await heading(id.chooseService);
  act(() => history.forward());
  await heading(id.chooseTime);
  await slotsLoaded();
  fireEvent.click(screen.getByRole("button", { name: /^08\.00/ }));
  await heading(id.yourDetails);
  type(/^Nama lengkap/, PATIENT.name);
  type(/^Nomor HP/, PATIENT.phone);
  fireEvent.click(screen.getByTestId("book-submit"));
  await heading(id.booked);
  act(() => history.back());
  await heading(id.chooseClinic);
  expect(screen.queryByTestId("confirmation")).toBeNull();
});

test("from the confirmation to “manage my booking”, the code filled in; back again, the confirmation is still there", async () => {
  bookCloud({ "POST /api/v1/public/bookings": { status: 201, body: CONFIRMED }, "POST /api/v1/public/bookings/K7M3QX/lookup": { body: BOOKING } });
  render(<BookApp />);
  await toDetails();
  type(/^Nama lengkap/, PATIENT.name);
  type(/^Nomor HP/, PATIENT.phone);
  fireEvent.click(screen.getByTestId("book-submit"));
  await heading(id.booked);
  fireEvent.click(screen.getByRole("link", { name: id.manage }));
  const title = await heading(id.manageTitle);
  expect(location.pathname).toBe("/book/manage");
  expect(document.activeElement).toBe(title);
  expect((screen.getByLabelText(/^Kode booking \(/) as HTMLInputElement).value).toBe("K7M 3QX");
  expect((screen.getByLabelText(/^Nomor HP/) as HTMLInputElement).value).toBe("");
  act(() => history.back());
  await waitFor(() => expect(location.pathname).toBe("/book"));
  expect(screen.getByTestId("booking-code").textContent).toBe("K7M 3QX");
});

test("times the cloud cannot give: its words (not the lookup's), and trying again", async () => {
  let fail = true;
  bookCloud({
    [MAKASSAR_SLOTS]: (s) =>
      fail ? { status: 404, body: { code: "not_found", message: "Klinik ini tidak menerima booking online lagi." } } : { body: makassarSlots(new URL(s.url, "http://x").searchParams.get("date")) },
  });
  render(<BookApp />);
  fireEvent.click(await screen.findByRole("button", { name: /Klinik Sehat Sentosa Makassar/ }));
  fireEvent.click(await screen.findByRole("button", { name: "Poli Umum" }));
  expect((await screen.findByRole("alert")).textContent).toBe("Klinik ini tidak menerima booking online lagi.");
  expect(screen.queryByText(id.err_not_found)).toBeNull();
  fail = false;
  fireEvent.click(screen.getByRole("button", { name: id.tryAgain }));
  await slotsLoaded();
  expect(screen.getByTestId("slots-summary").textContent).toBe("2 jam tersedia pada Senin, 7 Desember 2026.");
});

test("a booking link (a slot aggregator's) opens at its clinic's service and day, in the clinic's zone; back goes to the service, then the clinics", async () => {
  bookCloud();
  // 01:30 UTC on the 9th is 09:30 on Wednesday the 9th in Makassar (the phone's 8th).
  history.replaceState(null, "", `/book?clinic=${MAKASSAR.id}&service=A&start=2026-12-09T01:30:00Z`);
  render(<BookApp />);
  await heading(id.chooseTime);
  await slotsLoaded();
  expect(document.querySelector('.book-day[aria-pressed="true"]')?.getAttribute("data-day")).toBe("2026-12-09");
  expect(screen.getByTestId("slots-summary").textContent).toContain("Rabu, 9 Desember 2026");
  expect(location.pathname + location.search).toBe("/book");
  act(() => history.back());
  await heading(id.chooseService);
  act(() => history.back());
  await heading(id.chooseClinic);
});

test("a booking link to a service or a clinic not taking bookings opens the steps as usual", async () => {
  bookCloud();
  history.replaceState(null, "", `/book?clinic=${MAKASSAR.id}&service=Z&start=2026-12-09T01:30:00Z`);
  const { unmount } = render(<BookApp />);
  await heading(id.chooseService);
  expect(location.search).toBe("");
  unmount();
  history.replaceState(null, "", "/book?clinic=nowhere&service=A");
  render(<BookApp />);
  await heading(id.chooseClinic);
  await screen.findByRole("button", { name: /Klinik Sehat Sentosa Makassar/ });
  expect(location.search).toBe("");
});
