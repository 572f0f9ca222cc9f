// The patient's details: name and mobile number required, NIK and BPJS number optional,
// reminders only when ticked. Checked here first (the first wrong field takes the
// focus), then by the cloud, whose 422 is shown at its field in its own words.
import { useRef, type FormEvent } from "react";
import type { T } from "./i18n";
import { TextField } from "./parts";
import type { Details, Field } from "./validate";

interface Props {
  t: T;
  details: Details;
  onChange: (details: Details) => void;
  /** Each field's message, already in words. */
  errors: Partial<Record<Field, string>>;
  /** Called on submit; answers the first field in error, if any, to focus. */
  onSubmit: () => Field | null;
  busy: boolean;
  /** A 429's wait: the button does nothing until it is over. (It is never `disabled`,
   * which would drop the keyboard's focus from it.) */
  waiting: boolean;
}

export function DetailsForm({ t, details, onChange, errors, onSubmit, busy, waiting }: Props) {
  const form = useRef<HTMLFormElement>(null);
  const set = (field: keyof Details) => (value: string | boolean) => onChange({ ...details, [field]: value });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (busy || waiting) return;
    const wrong = onSubmit();
    if (wrong) form.current?.querySelector<HTMLInputElement>(`#book-${wrong}`)?.focus();
  };
  return (
    <form ref={form} className="book-form" noValidate onSubmit={submit}>
      <TextField id="book-name" label={t("name")} marker={t("required")} hint={t("nameHint")} error={errors.name} value={details.name} onChange={set("name")} required autoComplete="name" autoCapitalize="words" maxLength={100} />
      <TextField id="book-phone" label={t("phone")} marker={t("required")} hint={t("phoneHint")} error={errors.phone} value={details.phone} onChange={set("phone")} required type="tel" inputMode="tel" autoComplete="tel" maxLength={20} />
      <TextField id="book-nik" label={t("nik")} marker={t("optional")} hint={t("nikHint")} error={errors.nik} value={details.nik} onChange={set("nik")} inputMode="numeric" autoComplete="off" maxLength={24} />
      <TextField id="book-bpjs" label={t("bpjs")} marker={t("optional")} hint={t("bpjsHint")} error={errors.bpjs} value={details.bpjs} onChange={set("bpjs")} inputMode="numeric" autoComplete="off" maxLength={20} />
      <div className="book-check">
        <input id="book-consent" type="checkbox" checked={details.consent} aria-describedby="book-consent-hint" onChange={(e) => set("consent")(e.target.checked)} />
        <label htmlFor="book-consent">{t("consent")}</label>
        <p className="book-hint" id="book-consent-hint">
          {t("consentHint")}
        </p>
      </div>
      <button type="submit" className="book-button primary" aria-disabled={busy || waiting || undefined} data-testid="book-submit">
        {busy ? t("booking") : t("book")}
      </button>
    </form>
  );
}
