// A refusal in the screen's language. The node answers `{code, message}` with the message
// already in the language the screen asked for (the client sends Accept-Language); the
// screens still say the codes they know in their own words, which fit the screen.
import { ApiError, type ErrorCode } from "../api/client";
import type { Key } from "./i18n";

/** The catalogue key of a code: tsc refuses a code without a text in both languages. */
export function errorKey(code: ErrorCode): Key {
  return `err_${code}`;
}

/** An error in the screen's language:
 * - a validation error as the node says it (the field and the rule, e.g. "NIK: NIK
 *   terdiri dari tepat 16 angka"), which the screen cannot say better;
 * - any other code the screen knows in its own words;
 * - a code newer than the screen as the node says it (already in the screen's language);
 * - anything else (not the node's answer) as "something went wrong". */
export function errorText(err: unknown, t: (k: Key) => string): string {
  if (!(err instanceof ApiError)) return t("err_unknown");
  const message = err.message.trim();
  if (err.code === "validation_failed" && message) return message;
  return t(errorKey(err.code)) ?? (message || t("err_unknown"));
}
