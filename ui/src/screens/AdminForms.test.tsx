import { fireEvent, render, screen, within } from "@testing-library/react";
import { ApiError } from "../api/client";
import type { Clinic, ServiceView } from "../api/types";
import { catalogue, type Key, type Lang } from "../lib/i18n";
import { ClinicForm, ConfirmButton, CounterForm, NewService, NewStaff, poliSteps, timeZones } from "./AdminForms";

const words = (lang: Lang) => (k: Key) => catalogue[lang][k];
const queue = { waiting: 0, estimated_wait_seconds: 0, counters: 1, step_queues: [] };
const services: ServiceView[] = [
  { code: "A", name_id: "Poli Umum", name_en: "General Practice", active: true, target_wait_minutes: 60, ...queue, steps: poliSteps("Ruang Periksa Umum", "General consultation room") },
  { code: "B", name_id: "Poli Gigi", name_en: "Dental Clinic", active: true, target_wait_minutes: 60, ...queue, steps: poliSteps("Ruang Gigi", "Dental room") },
  { code: "L", name_id: "Laboratorium", name_en: "Laboratory", active: true, target_wait_minutes: 60, ...queue },
];
const value = (el: HTMLElement) => (el as HTMLInputElement).value;

test("a refused new account keeps its fields and shows why; a saved one clears them", async () => {
  let refuse = true;
  const sent: unknown[] = [];
  const onCreate = async (body: unknown) => {
    sent.push(body);
    if (refuse) throw new ApiError(409, "username_taken", "that username is taken");
  };
  render(<NewStaff t={words("id")} onCreate={onCreate} />);
  const form = screen.getByTestId("new-staff");
  fireEvent.change(within(form).getByLabelText("Nama pengguna"), { target: { value: "siti" } });
  fireEvent.change(within(form).getByLabelText("Nama"), { target: { value: "Siti Aminah" } });
  fireEvent.change(within(form).getByLabelText("Peran"), { target: { value: "clinician" } });
  fireEvent.change(within(form).getByLabelText("Kata sandi"), { target: { value: "Siti-pagi-hari-42" } });
  fireEvent.submit(form);
  expect((await within(form).findByRole("alert")).textContent).toBe(catalogue.id.err_username_taken);
  expect(value(within(form).getByLabelText("Nama pengguna"))).toBe("siti");
  expect(value(within(form).getByLabelText("Nama"))).toBe("Siti Aminah");
  expect(value(within(form).getByLabelText("Kata sandi"))).toBe("Siti-pagi-hari-42");
  expect(value(within(form).getByLabelText("Peran"))).toBe("clinician");

  refuse = false;
  fireEvent.submit(form);
  await vi.waitFor(() => expect(value(within(form).getByLabelText("Nama pengguna"))).toBe(""));
  expect(within(form).queryByRole("alert")).toBeNull();
  expect(value(within(form).getByLabelText("Kata sandi"))).toBe("");
  expect(sent).toEqual([
    { username: "siti", display_name: "Siti Aminah", role: "clinician", password: "Siti-pagi-hari-42" },
    { username: "siti", display_name: "Siti Aminah", role: "clinician", password: "Siti-pagi-hari-42" },
  ]);
});

test("a new service is sent with its code in capitals; a taken code is said in words", async () => {
  const sent: unknown[] = [];
  render(
    <NewService
      t={words("en")}
      onCreate={async (body) => {
        sent.push(body);
        throw new ApiError(409, "service_exists", "a service with the code G exists");
      }}
    />,
  );
  const form = screen.getByTestId("new-service");
  fireEvent.change(within(form).getByLabelText("Code"), { target: { value: "g" } });
  fireEvent.change(within(form).getByLabelText("Name (Bahasa Indonesia)"), { target: { value: "Poli Gigi" } });
  fireEvent.change(within(form).getByLabelText("Name (English)"), { target: { value: "Dental" } });
  fireEvent.submit(form);
  expect((await within(form).findByRole("alert")).textContent).toBe("A service with that code exists.");
  // A poli by default: registration at a counter, then its room, named after the service.
  expect(sent).toEqual([{ code: "G", name_id: "Poli Gigi", name_en: "Dental", active: true, steps: poliSteps("Ruang Poli Gigi", "Dental room") }]);
  expect(value(within(form).getByLabelText("Name (English)"))).toBe("Dental");
});

test("a new service of one step (a laboratory) has no steps; a poli's room can be named", async () => {
  const sent: unknown[] = [];
  render(<NewService t={words("id")} onCreate={async (body) => void sent.push(body)} />);
  const form = screen.getByTestId("new-service");
  fireEvent.change(within(form).getByLabelText("Kode"), { target: { value: "R" } });
  fireEvent.change(within(form).getByLabelText("Nama (Bahasa Indonesia)"), { target: { value: "Radiologi" } });
  fireEvent.change(within(form).getByLabelText("Nama (English)"), { target: { value: "Radiology" } });
  fireEvent.click(within(form).getByTestId("service-with-room"));
  fireEvent.submit(form);
  await vi.waitFor(() => expect(sent).toEqual([{ code: "R", name_id: "Radiologi", name_en: "Radiology", active: true, steps: [] }]));
  fireEvent.change(within(form).getByLabelText("Kode"), { target: { value: "K" } });
  fireEvent.change(within(form).getByLabelText("Nama (Bahasa Indonesia)"), { target: { value: "KIA" } });
  fireEvent.change(within(form).getByLabelText("Nama (English)"), { target: { value: "MCH" } });
  fireEvent.click(within(form).getByTestId("service-with-room"));
  fireEvent.change(within(form).getByLabelText("Nama ruang (Bahasa Indonesia)"), { target: { value: "Ruang Bidan" } });
  fireEvent.change(within(form).getByLabelText("Nama ruang (English)"), { target: { value: "Midwife room" } });
  fireEvent.submit(form);
  await vi.waitFor(() => expect(sent[1]).toEqual({ code: "K", name_id: "KIA", name_en: "MCH", active: true, steps: poliSteps("Ruang Bidan", "Midwife room") }));
});

test("a new counter names the services it serves; it cannot be added serving none", async () => {
  const sent: unknown[] = [];
  render(<CounterForm t={words("en")} services={services} onSave={async (body) => void sent.push(body)} />);
  const form = screen.getByTestId("new-counter");
  const add = within(form).getByRole("button", { name: "Add" });
  fireEvent.change(within(form).getByLabelText("Counter or room name"), { target: { value: "Ruang Gigi 2" } });
  expect((add as HTMLButtonElement).disabled).toBe(true);
  expect(within(form).queryByTestId("step-room")).toBeNull();
  fireEvent.click(within(form).getByLabelText("B"));
  expect((add as HTMLButtonElement).disabled).toBe(false);
  // B's steps are offered; the room serves only the room.
  fireEvent.click(within(form).getByTestId("step-room"));
  fireEvent.submit(form);
  await vi.waitFor(() => expect(sent).toEqual([{ name: "Ruang Gigi 2", services: ["B"], steps: ["room"] }]));
  await vi.waitFor(() => expect(value(within(form).getByLabelText("Counter or room name"))).toBe(""));
});

test("an existing counter's form starts from what it serves", async () => {
  const sent: unknown[] = [];
  render(<CounterForm t={words("en")} lang="en" services={services} counter={{ id: "loket-1", name: "Loket 1", services: ["A", "L"], steps: ["registration"] }} onSave={async (body) => void sent.push(body)} />);
  const form = screen.getByTestId("counter-form-loket-1");
  expect((within(form).getByLabelText("A") as HTMLInputElement).checked).toBe(true);
  expect((within(form).getByTestId("step-registration").querySelector("input") as HTMLInputElement).checked).toBe(true);
  // The room's names of both polies are one choice.
  fireEvent.click(within(form).getByLabelText("B"));
  expect(within(form).getByTestId("step-room").textContent).toBe("General consultation room / Dental room");
  fireEvent.submit(form);
  await vi.waitFor(() => expect(sent).toEqual([{ name: "Loket 1", services: ["A", "L", "B"], steps: ["registration"] }]));
});

test("the clinic's name and time zone are changed from a list of IANA zones", async () => {
  const clinic: Clinic = { id: "c", name: "Klinik Sehat", time_zone: "Asia/Jakarta", ticket_message_id: null, ticket_message_en: null };
  const sent: unknown[] = [];
  render(<ClinicForm clinic={clinic} t={words("en")} onSave={async (body) => void sent.push(body)} />);
  const zone = screen.getByLabelText("Time zone") as HTMLSelectElement;
  expect(zone.value).toBe("Asia/Jakarta");
  const options = Array.from(zone.options).map((o) => o.value);
  expect(options).toContain("Asia/Makassar");
  expect(options).toContain("Asia/Jayapura");
  fireEvent.change(screen.getByLabelText("Clinic name"), { target: { value: "Klinik Sehat Sentosa" } });
  fireEvent.change(zone, { target: { value: "Asia/Makassar" } });
  fireEvent.submit(screen.getByTestId("clinic-form"));
  await vi.waitFor(() => expect(sent).toEqual([{ name: "Klinik Sehat Sentosa", time_zone: "Asia/Makassar", ticket_message_id: "", ticket_message_en: "", language: "id", new_label_on_transfer: false, new_label_per_step: false }]));
});

test("the patients' language and a new number per transfer are kept by a save that does not touch them", async () => {
  const clinic: Clinic = { id: "c", name: "Klinik Sehat", time_zone: "Asia/Jakarta", language: "en", new_label_on_transfer: true };
  const sent: unknown[] = [];
  render(<ClinicForm clinic={clinic} t={words("id")} onSave={async (body) => void sent.push(body)} />);
  expect((screen.getByLabelText("Bahasa untuk pasien (kios dan layar ruang tunggu)") as HTMLSelectElement).value).toBe("en");
  expect((screen.getByTestId("new-label-on-transfer") as HTMLInputElement).checked).toBe(true);
  fireEvent.change(screen.getByLabelText("Nama klinik"), { target: { value: "Klinik Sehat Sentosa" } });
  fireEvent.submit(screen.getByTestId("clinic-form"));
  await vi.waitFor(() => expect(sent).toMatchObject([{ name: "Klinik Sehat Sentosa", language: "en", new_label_on_transfer: true }]));
  // And changed when asked.
  fireEvent.change(screen.getByLabelText("Bahasa untuk pasien (kios dan layar ruang tunggu)"), { target: { value: "id" } });
  fireEvent.click(screen.getByTestId("new-label-on-transfer"));
  fireEvent.submit(screen.getByTestId("clinic-form"));
  await vi.waitFor(() => expect(sent[1]).toMatchObject({ language: "id", new_label_on_transfer: false }));
});

test("an unknown stored time zone is still offered", () => {
  expect(timeZones("Mars/Olympus")[0]).toBe("Mars/Olympus");
});

test("revoke asks before it acts, and can be called off", () => {
  const done = vi.fn();
  render(<ConfirmButton t={words("id")} label="Cabut" question="Cabut Kiosk Lobi?" testId="revoke" onConfirm={done} />);
  fireEvent.click(screen.getByTestId("revoke"));
  expect(done).not.toHaveBeenCalled();
  expect(screen.getByRole("group", { name: "Cabut Kiosk Lobi?" })).toBeTruthy();
  fireEvent.click(screen.getByText(catalogue.id.dismiss));
  expect(screen.queryByRole("group")).toBeNull();
  fireEvent.click(screen.getByTestId("revoke"));
  fireEvent.click(screen.getByTestId("revoke-confirm"));
  expect(done).toHaveBeenCalledTimes(1);
});
