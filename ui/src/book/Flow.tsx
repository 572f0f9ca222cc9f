// Booking, step by step: clinic, service, day and time, details, confirmation. Each
// step is a history entry (no address change, nothing of the patient's in it), so the
// phone's back button goes back a step; back from the confirmation starts afresh rather
// than offer the sent form again.
import { useEffect, useReducer, useRef, useState } from "react";
import { createBooking, type BookingConfirmation, type Lang, type PublicClinic, type Slot } from "./api";
import { Confirmation } from "./Confirmation";
import { DetailsForm } from "./DetailsForm";
import type { BookKey, T } from "./i18n";
import { Alert, errorText, StepHeading, useFocusOnStep, useCooldown, VisitTime } from "./parts";
import { SlotPicker } from "./SlotPicker";
import { dayIn, visitParts } from "./time";
import { checkDetails, compact, NO_DETAILS, normalizePhone, type Details, type Field } from "./validate";
import type { ClinicsState } from "./useClinics";

/** The flow's steps, in order. */
export type Step = "clinic" | "service" | "slot" | "details" | "done";

interface State {
  step: Step;
  clinic?: PublicClinic;
  service?: string;
  day: string | null;
  slot?: Slot;
  details: Details;
  booked?: BookingConfirmation;
  /** Said on the slot step after a time was taken under the patient's hand. */
  notice: BookKey | null;
  /** Bumped to fetch the day's slots again. */
  refresh: number;
}

type Action =
  | { type: "clinic"; clinic: PublicClinic }
  | { type: "service"; service: string }
  | { type: "day"; day: string }
  | { type: "slot"; slot: Slot }
  | { type: "details"; details: Details }
  | { type: "booked"; booked: BookingConfirmation }
  | { type: "taken" }
  | { type: "history"; step: Step }
  | { type: "restart" }
  | ({ type: "deep" } & DeepLink);

/** Where a booking link points: a clinic, perhaps its service, perhaps a day. */
export interface DeepLink {
  clinic: PublicClinic;
  service?: string;
  day: string | null;
}

/**
 * A booking link's place — `/book?clinic=ID&service=A&start=RFC3339`, as the cloud's
 * SMART Scheduling Links files give each slot — among the clinics that take bookings:
 * the clinic, its service if it has that one, and the day of `start` in the clinic's
 * zone. Null for a clinic not in the list (the patient then picks as usual).
 */
export function deepLink(list: PublicClinic[], search: string): DeepLink | null {
  const q = new URLSearchParams(search);
  const clinic = list.find((c) => c.id === q.get("clinic"));
  if (!clinic) return null;
  const code = q.get("service");
  const service = clinic.services.find((x) => x.code === code)?.code;
  const at = Date.parse(q.get("start") ?? "");
  const day = service && Number.isFinite(at) ? dayIn(clinic.time_zone, at) : null;
  return { clinic, service, day };
}

const START: State = { step: "clinic", day: null, details: NO_DETAILS, notice: null, refresh: 0 };

/** The furthest step up to `step` that the state holds what it needs for. */
function reachable(s: State, step: Step): Step {
  if (step === "done" && s.booked) return "done";
  if ((step === "details" || step === "done") && s.slot) return "details";
  if (step !== "clinic" && step !== "service" && s.clinic && s.service) return "slot";
  if (step !== "clinic" && s.clinic) return "service";
  return "clinic";
}

function reduce(s: State, a: Action): State {
  switch (a.type) {
    case "clinic":
      return { ...s, step: "service", clinic: a.clinic, service: s.clinic?.id === a.clinic.id ? s.service : undefined, slot: undefined, notice: null };
    case "service":
      return { ...s, step: "slot", service: a.service, slot: undefined, notice: null };
    case "day":
      return { ...s, day: a.day, notice: null };
    case "slot":
      return { ...s, step: "details", slot: a.slot, notice: null };
    case "details":
      return { ...s, details: a.details };
    case "booked":
      return { ...s, step: "done", booked: a.booked };
    case "taken":
      return { ...s, step: "slot", slot: undefined, notice: "err_slot_full", refresh: s.refresh + 1 };
    case "history":
      // Back from the confirmation: the booking is made, so a new one starts.
      if (s.step === "done" && a.step !== "done") return START;
      return { ...s, step: reachable(s, a.step), notice: a.step === s.step ? s.notice : null };
    case "restart":
      return START;
    case "deep":
      return { ...START, step: a.service ? "slot" : "service", clinic: a.clinic, service: a.service, day: a.day };
  }
}

const STEP_NUMBER: Record<Step, number> = { clinic: 1, service: 2, slot: 3, details: 4, done: 0 };

interface Props {
  lang: Lang;
  t: T;
  clinics: ClinicsState;
  /** Opens "manage my booking", with this code filled in. */
  onManage: (code?: string) => void;
  /** Changed to start a new booking (the manage page's "make another booking"). */
  restart: number;
}

export function Flow({ lang, t, clinics, onManage, restart }: Props) {
  const [s, dispatch] = useReducer(reduce, START);
  const [errors, setErrors] = useState<Partial<Record<Field, BookKey | string>>>({});
  const [tried, setTried] = useState(false);
  const [busy, setBusy] = useState(false);
  const [refusal, setRefusal] = useState<unknown>(null);
  const [waiting, wait] = useCooldown();
  const [query, setQuery] = useState("");
  const scope = useFocusOnStep(s.step);

  useEffect(() => {
    if (!history.state?.book) history.replaceState({ ...history.state, book: "clinic" }, "");
    const onPop = (e: PopStateEvent) => {
      if (location.pathname.startsWith("/book/manage")) return;
      dispatch({ type: "history", step: (e.state?.book as Step | undefined) ?? "clinic" });
    };
    window.addEventListener("popstate", onPop);
    return () => window.removeEventListener("popstate", onPop);
  }, []);

  useEffect(() => {
    if (restart) dispatch({ type: "restart" });
  }, [restart]);

  // A booking link opens at its clinic's service and day, once, when the clinics have
  // come; the address is then plain /book again.
  const linked = useRef(false);
  useEffect(() => {
    if (linked.current || !clinics.clinics) return;
    linked.current = true;
    const link = deepLink(clinics.clinics, location.search);
    if (!location.search) return;
    history.replaceState({ book: "clinic" }, "", location.pathname);
    if (!link) return;
    if (link.service) history.pushState({ book: "service" }, "");
    history.pushState({ book: link.service ? "slot" : "service" }, "");
    dispatch({ type: "deep", ...link });
  }, [clinics.clinics]);

  /** Forward to `step` (`action` takes the flow there), one history entry further. */
  const forward = (step: Step, action: Action) => {
    history.pushState({ book: step }, "");
    dispatch(action);
    setRefusal(null);
  };

  const serviceName = (code: string | undefined) => {
    const sv = s.clinic?.services.find((x) => x.code === code);
    return sv ? (lang === "id" ? sv.name_id : sv.name_en) : (code ?? "");
  };
  const words = (e: Partial<Record<Field, BookKey | string>>) =>
    Object.fromEntries(Object.entries(e).map(([f, k]) => [f, k in WORD_KEYS ? t(k as BookKey) : k])) as Partial<Record<Field, string>>;

  const changeDetails = (details: Details) => {
    dispatch({ type: "details", details });
    // Once the patient has tried to send, each answer is checked again as it is corrected.
    if (tried) setErrors((old) => ({ ...keepServer(old, details, s.details), ...checkDetails(details) }));
  };

  const submit = (): Field | null => {
    setTried(true);
    const problems = checkDetails(s.details);
    setErrors(problems);
    const first = (["name", "phone", "nik", "bpjs"] as Field[]).find((f) => problems[f]);
    if (first) return first;
    if (!s.clinic || !s.service || !s.slot) return null;
    const d = s.details;
    setBusy(true);
    setRefusal(null);
    const clinic = s.clinic;
    createBooking(lang, {
      clinic: clinic.id,
      service: s.service,
      start: s.slot.start,
      name: d.name.trim(),
      phone: normalizePhone(d.phone) ?? compact(d.phone),
      ...(d.nik.trim() ? { nik: compact(d.nik) } : {}),
      ...(d.bpjs.trim() ? { bpjs: compact(d.bpjs) } : {}),
      consent_messages: d.consent,
    })
      .then((booked) => {
        // The sent form's entry becomes the confirmation: back leaves it, not re-sends it.
        history.replaceState({ book: "done" }, "");
        setTried(false);
        setErrors({});
        dispatch({ type: "booked", booked });
      })
      .catch((e: unknown) => {
        const err = e as { code?: string; field?: string; message?: string; retryAfter?: number; status?: number };
        if (err.code === "slot_full") {
          // Back to the times, fetched again, with the form kept for the next pick.
          history.back();
          dispatch({ type: "taken" });
        } else if (err.code === "validation_failed" && err.field && ["name", "phone", "nik", "bpjs"].includes(err.field) && err.message) {
          setErrors({ [err.field]: err.message });
          document.getElementById(`book-${err.field}`)?.focus();
        } else {
          if (err.status === 429) wait(err.retryAfter);
          setRefusal(e ?? new Error());
        }
      })
      .finally(() => setBusy(false));
    return null;
  };

  const n = STEP_NUMBER[s.step];
  const progress = n ? t("stepOf", { n }) : undefined;
  const back = (
    <button type="button" className="book-back" onClick={() => history.back()}>
      <span aria-hidden="true">←</span> {t("back")}
    </button>
  );
  const manageLink = (code?: string) => (
    <a
      className="book-link"
      href="/book/manage"
      onClick={(e) => {
        e.preventDefault();
        onManage(code);
      }}
    >
      {t("manage")}
    </a>
  );

  switch (s.step) {
    case "clinic": {
      const list = clinics.clinics ?? [];
      const q = query.trim().toLowerCase();
      const matching = q ? list.filter((c) => c.name.toLowerCase().includes(q)) : list;
      return (
        <section ref={scope} className="book-step" data-step="clinic">
          <StepHeading progress={progress}>
            {t("chooseClinic")}
          </StepHeading>
          <p className="book-lead">{t("intro")}</p>
          {clinics.error && (
            <>
              <Alert>{clinics.error}</Alert>
              <button type="button" className="book-button secondary" onClick={clinics.reload}>
                {t("tryAgain")}
              </button>
            </>
          )}
          {!clinics.clinics && !clinics.error && <p role="status">{t("loading")}</p>}
          {clinics.clinics && list.length === 0 && <p role="status">{t("noClinics")}</p>}
          {list.length > 6 && (
            <div className="book-field">
              <label htmlFor="book-find">{t("findClinic")}</label>
              <input id="book-find" type="search" value={query} onChange={(e) => setQuery(e.target.value)} autoComplete="off" />
            </div>
          )}
          {q && matching.length === 0 && <p role="status">{t("noClinicMatch", { q: query.trim() })}</p>}
          <ul className="book-choices" data-testid="clinics">
            {matching.map((c) => (
              <li key={c.id}>
                <button type="button" className="book-choice" onClick={() => forward("service", { type: "clinic", clinic: c })}>
                  <span className="book-choice-name">{c.name}</span>
                  <span className="book-choice-more">{c.services.map((x) => (lang === "id" ? x.name_id : x.name_en)).join(" · ")}</span>
                </button>
              </li>
            ))}
          </ul>
          <p className="book-aside book-have">
            {t("haveBooking")} {manageLink()}
          </p>
        </section>
      );
    }
    case "service": {
      const clinic = s.clinic!;
      return (
        <section ref={scope} className="book-step" data-step="service">
          {back}
          <StepHeading progress={progress}>
            {t("chooseService")}
          </StepHeading>
          <p className="book-lead">{clinic.name}</p>
          {clinic.services.length === 0 && <p role="status">{t("noServices")}</p>}
          <ul className="book-choices" data-testid="services">
            {clinic.services.map((x) => (
              <li key={x.code}>
                <button type="button" className="book-choice" onClick={() => forward("slot", { type: "service", service: x.code })}>
                  <span className="book-choice-name">{lang === "id" ? x.name_id : x.name_en}</span>
                </button>
              </li>
            ))}
          </ul>
        </section>
      );
    }
    case "slot":
      return (
        <section ref={scope} className="book-step" data-step="slot">
          {back}
          <StepHeading progress={progress}>
            {t("chooseTime")}
          </StepHeading>
          <p className="book-lead">
            {serviceName(s.service)} · {s.clinic!.name}
          </p>
          <SlotPicker
            lang={lang}
            t={t}
            clinic={s.clinic!}
            service={s.service!}
            day={s.day}
            onDay={(day) => dispatch({ type: "day", day })}
            onPick={(slot) => forward("details", { type: "slot", slot })}
            notice={s.notice && t(s.notice)}
            refresh={s.refresh}
          />
        </section>
      );
    case "details":
      return (
        <section ref={scope} className="book-step" data-step="details">
          {back}
          <StepHeading progress={progress}>
            {t("yourDetails")}
          </StepHeading>
          <div className="book-card book-visit" data-testid="chosen">
            <h2>{t("yourVisit")}</h2>
            <p>
              <strong>{serviceName(s.service)}</strong> · {s.clinic!.name}
            </p>
            <p>
              <VisitTime testId="chosen-time" parts={visitParts(s.slot!.start, s.slot!.end, s.clinic!.time_zone, lang)} />
            </p>
            <button type="button" className="book-link-button" onClick={() => history.back()}>
              {t("changeTime")}
            </button>
          </div>
          {refusal !== null && <Alert testId="book-refusal">{errorText(refusal, t)}</Alert>}
          <DetailsForm t={t} details={s.details} onChange={changeDetails} errors={words(errors)} onSubmit={submit} busy={busy} waiting={waiting} />
        </section>
      );
    case "done": {
      const booked = s.booked!;
      return (
        <section ref={scope} className="book-step" data-step="done">
          <StepHeading>
            <span className="book-tick" aria-hidden="true">
              ✓
            </span>{" "}
            {t("booked")}
          </StepHeading>
          <Confirmation
            t={t}
            lang={lang}
            booking={booked}
            clinicName={s.clinic!.name}
            serviceName={serviceName(booked.service)}
            timeZone={s.clinic!.time_zone}
            end={s.slot?.start === booked.start ? s.slot.end : undefined}
          >
            <div className="book-next">
              {manageLink(booked.code)}
              <button
                type="button"
                className="book-link-button"
                onClick={() => {
                  history.pushState({ book: "clinic" }, "");
                  dispatch({ type: "restart" });
                }}
              >
                {t("newBooking")}
              </button>
            </div>
          </Confirmation>
        </section>
      );
    }
  }
}

/** The catalogue's error words (a server's 422 message is shown as it came). */
const WORD_KEYS: Partial<Record<BookKey, true>> = { errName: true, errPhoneEmpty: true, errPhone: true, errNik: true, errBpjs: true };

/** The server's messages for the fields the patient has not changed since. */
function keepServer(old: Partial<Record<Field, string>>, now: Details, before: Details): Partial<Record<Field, string>> {
  return Object.fromEntries(Object.entries(old).filter(([f, k]) => !(k in WORD_KEYS) && now[f as Field] === before[f as Field]));
}
