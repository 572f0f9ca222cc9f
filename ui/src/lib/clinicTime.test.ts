import { clockDate, clockTime, dateTime, dayIn } from "./clinicTime";

// 23:30 UTC on Wednesday 2 December 2026 is 06:30 on Thursday 3 December in Jakarta.
const LATE_UTC = Date.UTC(2026, 11, 2, 23, 30);

test("23:30 UTC shows 06:30 the next day for Asia/Jakarta, whatever the device's zone", () => {
  expect(clockTime(LATE_UTC, "Asia/Jakarta", "id")).toBe("06.30");
  expect(clockTime(LATE_UTC, "Asia/Jakarta", "en")).toBe("06:30");
  expect(clockDate(LATE_UTC, "Asia/Jakarta", "id")).toBe("Kamis, 3 Desember");
  expect(clockDate(LATE_UTC, "Asia/Jakarta", "en")).toBe("Thursday 3 December");
  expect(dateTime(LATE_UTC, "Asia/Jakarta", "en")).toBe("03/12/2026, 06:30");
  // The same instant where the device is: UTC still says the day before.
  expect(clockTime(LATE_UTC, "UTC", "en")).toBe("23:30");
  expect(clockDate(LATE_UTC, "UTC", "en")).toBe("Wednesday 2 December");
});

test("before 07:00 WIB a browser in UTC still offers today in Jakarta for a booking", () => {
  expect(dayIn("Asia/Jakarta", LATE_UTC)).toBe("2026-12-03");
  expect(dayIn("UTC", LATE_UTC)).toBe("2026-12-02");
  // Makassar (WITA) and Jayapura (WIT) too.
  expect(dayIn("Asia/Makassar", Date.UTC(2026, 11, 2, 16, 0))).toBe("2026-12-03");
  expect(dayIn("Asia/Jayapura", Date.UTC(2026, 11, 2, 14, 59))).toBe("2026-12-02");
});
