import { ApiError } from "../api/client";
import { catalogue, type Key } from "../lib/i18n";
import { errorText, roleWords } from "./common";

const id = (k: Key) => catalogue.id[k];

test.each([
  [new ApiError(401, "invalid_credentials", "wrong username or password"), "Nama pengguna atau kata sandi salah."],
  [new ApiError(429, "account_locked", "too many failed logins: this account is locked for 5 more minutes"), catalogue.id.err_account_locked],
  [new ApiError(0, "offline", "the node cannot be reached"), "Tidak terhubung ke server klinik."],
  [new ApiError(422, "validation_failed", "password: a password has at least 12 characters"), "password: a password has at least 12 characters"],
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
