import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { ApiError } from "../api/client";
import type { Schedule } from "../api/types";
import { catalogue, type Key } from "../lib/i18n";
import { defaultSchedule, ScheduleForm, scheduleSummary } from "./ScheduleForm";

const en = (k: Key) => catalogue.en[k];
const id = (k: Key) => catalogue.id[k];

test("a schedule reads as one line in either language", () => {
  expect(scheduleSummary(defaultSchedule(), en)).toBe("Mon–Sat 08:00–14:00 · 15 min · 4 places (2 online)");
  expect(scheduleSummary(defaultSchedule(), id)).toBe("Sen–Sab 08:00–14:00 · 15 menit · 4 tempat (2 online)");
  const split: Schedule = {
    ...defaultSchedule(),
    hours: [
      { day: "mon", opens: "08:00:00", closes: "12:00:00" },
      { day: "wed", opens: "08:00:00", closes: "12:00:00" },
      { day: "sat", opens: "09:00:00", closes: "11:00:00" },
    ],
  };
  expect(scheduleSummary(split, en)).toBe("Mon, Wed 08:00–12:00; Sat 09:00–11:00 · 15 min · 4 places (2 online)");
  expect(scheduleSummary(null, en)).toBe(en("scheduleNone"));
});

test("the admin changes periods, places and closed days, and the whole schedule is sent", async () => {
  const saved: Schedule[] = [];
  const closed: string[] = [];
  render(<ScheduleForm code="A" schedule={null} t={en} onSave={async (s) => void saved.push(s)} onClose={() => closed.push("x")} />);
  // Saturday's period removed, online places to 1, Christmas closed.
  const sat = screen.getByTestId("schedule-period-5");
  fireEvent.click(sat.querySelector("button") as HTMLButtonElement);
  fireEvent.change(screen.getByTestId("schedule-online_places"), { target: { value: "1" } });
  fireEvent.change(screen.getByTestId("schedule-closed-day"), { target: { value: "2026-12-25" } });
  fireEvent.click(screen.getByText(en("add")));
  fireEvent.click(screen.getByTestId("schedule-save"));
  await waitFor(() => expect(closed).toHaveLength(1));
  expect(saved[0].hours.map((h) => h.day)).toEqual(["mon", "tue", "wed", "thu", "fri"]);
  expect(saved[0]).toMatchObject({ online_places: 1, places_per_slot: 4, slot_minutes: 15, closed: ["2026-12-25"] });
});

test("a schedule the node refuses stays on screen with the node's reason", async () => {
  const refuse = async () => {
    throw new ApiError(422, "validation_failed", "Hours: closing time must be after opening time");
  };
  const closed: string[] = [];
  render(<ScheduleForm code="A" schedule={defaultSchedule()} t={en} onSave={refuse} onClose={() => closed.push("x")} />);
  fireEvent.click(screen.getByTestId("schedule-save"));
  expect((await screen.findByRole("alert")).textContent).toBe("Hours: closing time must be after opening time");
  expect(closed).toEqual([]);
  expect(screen.getByTestId("schedule-period-0")).toBeTruthy();
});
