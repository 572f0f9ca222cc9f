import { ApiError, type ErrorCode } from "../api/client";
import { catalogue, type Key, type Lang } from "../lib/i18n";
import { fireEvent, render, screen } from "@testing-library/react";
import { errorText, Login, roleWords } from "./common";

const id = (k: Key) => catalogue.id[k];

/** Every code there is: tsc refuses this table when a code is missing or unknown. */
const EVERY_CODE: Record<ErrorCode, true> = {
  validation_failed: true,
  bad_json: true,
  bad_request: true,
  method_not_allowed: true,
  unsupported_media_type: true,
  payload_too_large: true,
  too_many_events: true,
  rate_limited: true,
  unknown_action: true,
  unauthorized: true,
  invalid_credentials: true,
  account_locked: true,
  forbidden: true,
  unauthenticated: true,
  stale_request: true,
  revoked: true,
  bad_code: true,
  not_found: true,
  queue_empty: true,
  invalid_transition: true,
  counter_busy: true,
  duplicate_nik: true,
  username_taken: true,
  own_account: true,
  last_admin: true,
  service_exists: true,
  password_change_required: true,
  wrong_password: true,
  service_closed: true,
  appointment_cancelled: true,
  already_checked_in: true,
  slot_full: true,
  appointment_not_today: true,
  no_printer: true,
  printer_fault: true,
  clinic_exists: true,
  sync_off: true,
  wrong_clinic: true,
  sync_refused: true,
  bad_body: true,
  not_authority: true,
  booking_authority_unreachable: true,
  storage_unavailable: true,
  disk_full: true,
  internal: true,
  token_expired: true,
  session_revoked: true,
  clinic_not_on_account: true,
  oidc_unknown_subject: true,
  oidc_login_expired: true,
  oidc_refused: true,
  oidc_provider_unavailable: true,
  unknown: true,
  offline: true,
};

test.each(["id", "en"] as Lang[])("every code has its own text in %s", (lang) => {
  const t = (k: Key) => catalogue[lang][k];
  const texts = new Set<string>();
  for (const code of Object.keys(EVERY_CODE) as ErrorCode[]) {
    // A validation error without the node's words (they name the field and the rule).
    const text = errorText(new ApiError(400, code, code === "validation_failed" ? "" : "the node's words"), t);
    expect(text, code).toBe(catalogue[lang][`err_${code}`]);
    expect(text.trim(), code).not.toBe("");
    texts.add(text);
  }
  // No two codes say the same.
  expect(texts.size).toBe(Object.keys(EVERY_CODE).length);
});

test("the two languages differ for every code", () => {
  for (const code of Object.keys(EVERY_CODE) as ErrorCode[]) {
    expect(catalogue.id[`err_${code}`], code).not.toBe(catalogue.en[`err_${code}`]);
  }
});

test("a code newer than the screen is said in the node's words; an error that is not the node's reads as something went wrong", () => {
  expect(errorText(new ApiError(409, "from_a_newer_node" as ErrorCode, "Slot ini sudah penuh."), id)).toBe("Slot ini sudah penuh.");
  expect(errorText(new ApiError(409, "from_a_newer_node" as ErrorCode, ""), id)).toBe(catalogue.id.err_unknown);
  expect(errorText(new TypeError("boom"), id)).toBe(catalogue.id.err_unknown);
});

test.each([
  [new ApiError(401, "invalid_credentials", "wrong username or password"), "Nama pengguna atau kata sandi salah."],
  [new ApiError(429, "account_locked", "too many failed logins: this account is locked for 5 more minutes"), catalogue.id.err_account_locked],
  [new ApiError(0, "offline", "the node cannot be reached"), "Tidak terhubung ke server klinik."],
  // A validation error names the field and the rule, as the node said it in the screen's language.
  [new ApiError(422, "validation_failed", "Kata sandi: kata sandi paling sedikit 12 karakter"), "Kata sandi: kata sandi paling sedikit 12 karakter"],
  [new ApiError(422, "validation_failed", "NIK: NIK terdiri dari tepat 16 angka"), "NIK: NIK terdiri dari tepat 16 angka"],
  [new ApiError(422, "validation_failed", " "), catalogue.id.err_validation_failed],
  [new ApiError(409, "already_checked_in", "this appointment is already checked in"), "Janji temu ini sudah check-in."],
])("%o is shown as %s", (err, text) => {
  expect(errorText(err, id)).toBe(text);
});

test.each([
  ["desk", "Pendaftaran"],
  ["display", "Layar"],
  ["something_new", "something_new"],
])("the role %s is %s", (role, words) => {
  expect(roleWords(role, id)).toBe(words);
});

test("a login with a temporary password asks for a new one before it lets the screen in", async () => {
  const posted: [string, unknown][] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (path: string, init?: RequestInit) => {
      posted.push([path, JSON.parse(String(init?.body ?? "null"))]);
      if (path === "/api/v1/auth/login")
        return new Response(JSON.stringify({ token: "tmp-session", idle_timeout_seconds: 900, must_change_password: true, me: { kind: "staff", username: "doctor", role: "clinician" } }), { status: 200 });
      const body = JSON.parse(String(init?.body));
      if (body.new.length < 12) return new Response(JSON.stringify({ code: "validation_failed", message: "Kata sandi: kata sandi paling sedikit 12 karakter" }), { status: 422 });
      return new Response(null, { status: 204 });
    }),
  );
  const onLogin = vi.fn();
  render(<Login t={id} onLogin={onLogin} toggle={() => {}} />);
  fireEvent.change(screen.getByLabelText("Nama pengguna"), { target: { value: "doctor" } });
  fireEvent.change(screen.getByLabelText("Kata sandi"), { target: { value: "k7mq-x3rt-9wpa-e4hn" } });
  fireEvent.click(screen.getByTestId("login"));
  await screen.findByTestId("change-password");
  expect(onLogin).not.toHaveBeenCalled();

  const type = (label: string, value: string) => fireEvent.change(screen.getByLabelText(label), { target: { value } });
  type("Kata sandi baru", "Rina-praktek-pagi-7");
  type("Ulangi kata sandi baru", "Rina-praktek-pagi-8");
  fireEvent.click(screen.getByTestId("change-password-submit"));
  expect((await screen.findByRole("alert")).textContent).toBe(catalogue.id.passwordsDiffer);
  expect(posted).toHaveLength(1);

  type("Kata sandi baru", "pendek");
  type("Ulangi kata sandi baru", "pendek");
  fireEvent.click(screen.getByTestId("change-password-submit"));
  // The node's words, already in the screen's language, name the field and the rule.
  await vi.waitFor(() => expect(screen.getByRole("alert").textContent).toBe("Kata sandi: kata sandi paling sedikit 12 karakter"));

  type("Kata sandi baru", "Rina-praktek-pagi-7");
  type("Ulangi kata sandi baru", "Rina-praktek-pagi-7");
  fireEvent.click(screen.getByTestId("change-password-submit"));
  await vi.waitFor(() => expect(onLogin).toHaveBeenCalledTimes(1));
  expect(posted[posted.length - 1]).toEqual(["/api/v1/auth/password", { current: "k7mq-x3rt-9wpa-e4hn", new: "Rina-praktek-pagi-7" }]);
  expect(onLogin.mock.calls[0][0].must_change_password).toBe(false);
  vi.unstubAllGlobals();
});
