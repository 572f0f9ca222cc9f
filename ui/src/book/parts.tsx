// Small pieces the booking page's steps share: refusals in words, the step heading that
// takes the focus when the step changes, a labelled text field, the wait after a 429.
import { useCallback, useEffect, useLayoutEffect, useRef, useState, type ReactNode, type RefObject } from "react";
import { BookError } from "./api";
import type { Lang } from "./api";
import type { T } from "./i18n";
import { visitParts } from "./time";

/**
 * A refusal in the page's language: ours for the codes the page knows, else the
 * server's. `about` says what a `not_found` means: on "manage my booking" that no
 * booking has this code and number; elsewhere the server's words say what is missing.
 */
export function errorText(e: unknown, t: T, about: "booking" | "page" = "page"): string {
  if (!(e instanceof BookError)) return t("err_unknown");
  switch (e.code) {
    case "offline":
      return t("err_offline");
    case "rate_limited":
      return t("err_rate_limited", { n: e.retryAfter ?? 60 });
    case "slot_full":
      return t("err_slot_full");
    case "not_found":
      return about === "booking" ? t("err_not_found") : e.message || t("err_unknown");
    case "already_checked_in":
      return t("err_already_checked_in");
    default:
      // `validation_failed` and codes newer than the page: the server worded it in the
      // language the request asked for.
      if (e.status === 429) return t("err_rate_limited", { n: e.retryAfter ?? 60 });
      return e.message || t("err_unknown");
  }
}

/** A refusal or warning, read out when it appears. */
export function Alert({ children, testId }: { children: ReactNode; testId?: string }) {
  return (
    <p className="book-alert" role="alert" data-testid={testId}>
      {children}
    </p>
  );
}

/**
 * Focuses the `<h1>` inside `scope` whenever `step` changes after the first render, so
 * a keyboard or screen reader user starts the new step at its title (not on the button
 * that was pressed and is gone); left alone when the page first opens.
 */
export function useFocusOnStep(step: string): RefObject<HTMLElement> {
  const scope = useRef<HTMLElement>(null);
  const first = useRef(true);
  useLayoutEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    scope.current?.querySelector<HTMLElement>("h1")?.focus();
  }, [step]);
  return scope;
}

/** The step's title (focusable from script only: see {@link useFocusOnStep}), with "step n of 4" above it. */
export function StepHeading({ children, progress }: { children: ReactNode; progress?: string }) {
  return (
    <div className="book-heading">
      {progress && <p className="book-progress">{progress}</p>}
      <h1 tabIndex={-1}>{children}</h1>
    </div>
  );
}

interface FieldProps {
  id: string;
  label: string;
  /** `wajib` / `tidak wajib`, after the label. */
  marker: string;
  hint?: string;
  error?: string;
  value: string;
  onChange: (value: string) => void;
  required?: boolean;
  type?: "text" | "tel";
  inputMode?: "text" | "tel" | "numeric";
  autoComplete?: string;
  autoCapitalize?: string;
  maxLength?: number;
}

/** A text input with its label, hint and error, tied together for screen readers. */
export function TextField(p: FieldProps) {
  const described = [p.hint && `${p.id}-hint`, p.error && `${p.id}-error`].filter(Boolean).join(" ");
  return (
    <div className={`book-field${p.error ? " invalid" : ""}`}>
      <label htmlFor={p.id}>
        {p.label} <span className="book-marker">({p.marker})</span>
      </label>
      {p.hint && (
        <p className="book-hint" id={`${p.id}-hint`}>
          {p.hint}
        </p>
      )}
      <input
        id={p.id}
        name={p.id}
        type={p.type ?? "text"}
        inputMode={p.inputMode}
        autoComplete={p.autoComplete}
        autoCapitalize={p.autoCapitalize}
        spellCheck={false}
        maxLength={p.maxLength}
        value={p.value}
        aria-required={p.required || undefined}
        aria-invalid={p.error ? true : undefined}
        aria-describedby={described || undefined}
        onChange={(e) => p.onChange(e.target.value)}
      />
      {p.error && (
        <p className="book-error" id={`${p.id}-error`}>
          {p.error}
        </p>
      )}
    </div>
  );
}

/** After a 429: `[waiting, wait(seconds)]`; `waiting` turns false by itself when the time is up. */
export function useCooldown(): [boolean, (seconds: number | undefined) => void] {
  const [until, setUntil] = useState(0);
  useEffect(() => {
    if (!until) return;
    const timer = setTimeout(() => setUntil(0), Math.max(0, until - Date.now()));
    return () => clearTimeout(timer);
  }, [until]);
  const wait = useCallback((seconds: number | undefined) => setUntil(Date.now() + (seconds ?? 60) * 1000), []);
  return [until > 0, wait];
}

/** A visit's day and time (the time's clock range is never broken at its dash). */
export function VisitTime({ parts, testId }: { parts: { day: string; time: string }; testId?: string }) {
  return (
    <span data-testid={testId}>
      {parts.day}, {parts.time}
    </span>
  );
}

/** Where and when a visit is: clinic, service, day and time in the clinic's zone, and any
 * further rows (`children`). */
export function VisitFacts(p: { t: T; lang: Lang; clinic: string; service: string; start: string; end?: string; zone: string; className: string; testId?: string; timeTestId: string; children?: ReactNode }) {
  const { t } = p;
  return (
    <dl className={p.className} data-testid={p.testId}>
      <div>
        <dt>{t("clinic")}</dt>
        <dd>{p.clinic}</dd>
      </div>
      <div>
        <dt>{t("service")}</dt>
        <dd>{p.service}</dd>
      </div>
      <div>
        <dt>{t("when")}</dt>
        <dd>
          <VisitTime testId={p.timeTestId} parts={visitParts(p.start, p.end, p.zone, p.lang)} />
        </dd>
      </div>
      {p.children}
    </dl>
  );
}

/** "Book another visit": back to the first step, without a page load. */
export function NewBookingLink({ t, onNewBooking }: { t: T; onNewBooking: () => void }) {
  return (
    <a
      className="book-link"
      href="/book"
      onClick={(e) => {
        e.preventDefault();
        onNewBooking();
      }}
    >
      {t("newBooking")}
    </a>
  );
}
