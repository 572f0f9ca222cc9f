import { render, screen, within } from "@testing-library/react";
import type { StaffAccount } from "../api/types";
import { catalogue, type Key, type Lang } from "../lib/i18n";
import { lockWords, StaffList } from "./StaffList";

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
