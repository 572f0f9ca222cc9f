import { api, ApiError } from "../api/client";
import { errorText } from "./errors";
import { catalogue, type Key } from "./i18n";

afterEach(() => {
  vi.unstubAllGlobals();
  document.documentElement.lang = "id";
});

/** A node that answers every request with `body` (status `status`), keeping the requests. */
function node(status: number, body: object) {
  const fetch = vi.fn(async (_path: string, _init?: RequestInit) => new Response(JSON.stringify(body), { status }));
  vi.stubGlobal("fetch", fetch);
  return fetch;
}

function language(fetch: ReturnType<typeof node>): string | undefined {
  return (fetch.mock.calls[0][1]?.headers as Record<string, string>)["accept-language"];
}

test.each([
  ["id", "NIK: NIK terdiri dari tepat 16 angka"],
  ["en", "NIK: a NIK has exactly 16 digits"],
] as const)("a screen in %s asks the node in its language and shows its validation words", async (lang, words) => {
  document.documentElement.lang = lang;
  const fetch = node(422, { code: "validation_failed", message: words });
  const err = await api("POST", "/api/v1/patients", { token: "t", body: { nik: "12345" } }).catch((e: unknown) => e);
  expect(language(fetch)).toBe(lang);
  expect(errorText(err, (k: Key) => catalogue[lang][k])).toBe(words);
});

test("a code the screen knows is said in the screen's own words, not the node's", async () => {
  document.documentElement.lang = "en";
  node(409, { code: "appointment_not_today", message: "this appointment is on 5 December 2026, not today" });
  const err = await api("POST", "/api/v1/tickets", { token: "t", body: { appointment_code: "ABC123" } }).catch((e: unknown) => e);
  expect(errorText(err, (k: Key) => catalogue.en[k])).toBe(catalogue.en.err_appointment_not_today);
  expect(errorText(err, (k: Key) => catalogue.id[k])).toBe("Janji temu ini bukan untuk hari ini.");
});

test("without a language on the page the node is asked for Bahasa Indonesia", async () => {
  document.documentElement.removeAttribute("lang");
  const fetch = node(404, { code: "not_found", message: "Tiket tidak ditemukan." });
  await api("GET", "/api/v1/tickets/{id}", { token: "t", params: { id: "x" } }).catch(() => undefined);
  expect(language(fetch)).toBe("id");
});

test("a code newer than the screen falls back to the node's message", () => {
  const err = new ApiError(409, "seat_taken" as never, "Kursi ini sudah terisi.");
  expect(errorText(err, (k: Key) => catalogue.id[k])).toBe("Kursi ini sudah terisi.");
});
