import { fireEvent, render, screen, within } from "@testing-library/react";
import { ApiError, type ErrorCode } from "../api/client";
import type { StaffAccount } from "../api/types";
import { catalogue, type Key, type Lang } from "../lib/i18n";
import { lockWords, StaffList, type StaffActions } from "./StaffList";

const words = (lang: Lang) => (k: Key) => catalogue[lang][k];

const staff: StaffAccount[] = [
  {
    id: "7d3c0000-0000-4000-8000-000000000002",
    username: "doctor",
    display_name: "dr. Sari",
    role: "clinician",
    active: true,
    login_locks: [
      { address: "10.0.0.66", seconds_left: 840 },
      { address: null, seconds_left: 30 },
    ],
  },
  { id: "7d3c0000-0000-4000-8000-000000000001", username: "desk", display_name: "Dewi (loket)", role: "desk", active: true, login_locks: [] },
];

test.each([
  ["en", { address: "10.0.0.66", seconds_left: 840 }, "Login locked from 10.0.0.66 · 14 min left"],
  ["id", { address: "10.0.0.66", seconds_left: 841 }, "Login dikunci dari 10.0.0.66 · 15 menit lagi"],
  ["en", { address: null, seconds_left: 1 }, "Login locked from unknown address · 1 min left"],
  ["id", { address: null, seconds_left: 1 }, "Login dikunci dari alamat tak dikenal · 1 menit lagi"],
] as const)("in %s the lock %j reads %s", (lang, lock, text) => {
  expect(lockWords(lock, words(lang))).toBe(text);
});

test("a locked account shows each machine it is locked against; the others show none", () => {
  render(<StaffList staff={staff} t={words("en")} />);
  const [doctor, desk] = within(screen.getByTestId("staff-list")).getAllByRole("listitem");
  const locks = within(doctor).getAllByTestId("login-lock");
  expect(locks.map((l) => l.textContent)).toEqual(["Login locked from 10.0.0.66 · 14 min left", "Login locked from unknown address · 1 min left"]);
  expect(locks[0].getAttribute("title")).toBe(catalogue.en.loginLockHint);
  expect(within(desk).queryAllByTestId("login-lock")).toEqual([]);
  expect(desk.textContent).toContain("Dewi (loket)");
});

/** Actions that record what they were asked and answer as the node would. */
function recorder(fail?: { code: string; message: string; status: number }) {
  const calls: [string, string, unknown?][] = [];
  const answer = async <R,>(value: R): Promise<R> => {
    if (fail) throw new ApiError(fail.status, fail.code as ErrorCode, fail.message);
    return value;
  };
  const actions: StaffActions = {
    update: (id, change) => (calls.push(["update", id, change]), answer(null)),
    resetPassword: (id) => (calls.push(["reset", id]), answer({ user: staff[1], temporary_password: "k7mq-x3rt-9wpa-e4hn" })),
    unlock: (id) => (calls.push(["unlock", id]), answer(null)),
  };
  return { calls, actions };
}

test("an admin disables an account, and may not disable their own", async () => {
  const { calls, actions } = recorder();
  render(<StaffList staff={staff} t={words("en")} me="doctor" actions={actions} />);
  const desk = screen.getByTestId("staff-desk");
  fireEvent.click(within(desk).getByTestId("staff-toggle"));
  await vi.waitFor(() => expect(calls).toEqual([["update", staff[1].id, { active: false }]]));
  const doctor = screen.getByTestId("staff-doctor");
  expect(within(doctor).queryByTestId("staff-toggle")).toBeNull();
  expect(doctor.textContent).toContain("You");
});

test("a reset asks first, then shows the temporary password once with a copy button", async () => {
  const { calls, actions } = recorder();
  const writeText = vi.fn(async () => {});
  vi.stubGlobal("navigator", { clipboard: { writeText } });
  render(<StaffList staff={staff} t={words("id")} actions={actions} />);
  const desk = screen.getByTestId("staff-desk");
  fireEvent.click(within(desk).getByTestId("staff-reset"));
  expect(calls).toEqual([]);
  expect(desk.textContent).toContain("Buat kata sandi sementara untuk desk?");
  fireEvent.click(within(desk).getByTestId("staff-reset-confirm"));
  const shown = await screen.findByTestId("temporary-password");
  expect(calls).toEqual([["reset", staff[1].id]]);
  expect(within(shown).getByTestId("temporary-password-value").textContent).toBe("k7mq-x3rt-9wpa-e4hn");
  fireEvent.click(within(shown).getByTestId("temporary-password-copy"));
  await vi.waitFor(() => expect(writeText).toHaveBeenCalledWith("k7mq-x3rt-9wpa-e4hn"));
  expect(await within(shown).findByText("Tersalin ✓")).toBeTruthy();
  fireEvent.click(within(shown).getByText("Tutup"));
  expect(screen.queryByTestId("temporary-password")).toBeNull();
  vi.unstubAllGlobals();
});

test("unlock is offered only for a locked account", async () => {
  const { calls, actions } = recorder();
  render(<StaffList staff={staff} t={words("en")} actions={actions} />);
  expect(within(screen.getByTestId("staff-desk")).queryByTestId("staff-unlock")).toBeNull();
  fireEvent.click(within(screen.getByTestId("staff-doctor")).getByTestId("staff-unlock"));
  await vi.waitFor(() => expect(calls).toEqual([["unlock", staff[0].id]]));
});

test("a refused edit keeps what was typed and says why in the screen's language", async () => {
  const { calls, actions } = recorder({ status: 409, code: "own_account", message: "you cannot disable or demote your own account" });
  render(<StaffList staff={staff} t={words("id")} actions={actions} />);
  const desk = screen.getByTestId("staff-desk");
  fireEvent.click(within(desk).getByTestId("staff-edit"));
  fireEvent.change(within(desk).getByTestId("staff-name"), { target: { value: "Dewi Lestari" } });
  fireEvent.change(within(desk).getByTestId("staff-role"), { target: { value: "admin" } });
  fireEvent.submit(within(desk).getByTestId("staff-name").closest("form")!);
  expect((await within(desk).findByRole("alert")).textContent).toBe(catalogue.id.err_own_account);
  expect(calls).toEqual([["update", staff[1].id, { name: "Dewi Lestari", role: "admin" }]]);
  expect((within(desk).getByTestId("staff-name") as HTMLInputElement).value).toBe("Dewi Lestari");
  expect((within(desk).getByTestId("staff-role") as HTMLSelectElement).value).toBe("admin");
});
