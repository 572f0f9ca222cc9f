// "Manage my booking": the booking code and the phone number it was made with find it;
// then cancel it (after a confirmation) or move it to another free time. The phone
// number is kept in this component's memory only and sent in POST bodies.
import { useState, type FormEvent } from "react";
import { cancelBooking, lookupBooking, moveBooking, type BookingConfirmation, type BookingView, type Lang, type Slot } from "./api";
import { Confirmation } from "./Confirmation";
import type { BookKey, T } from "./i18n";
import { Alert, errorText, NewBookingLink, StepHeading, useFocusOnStep, TextField, useCooldown, VisitFacts, VisitTime } from "./parts";
import { SlotPicker } from "./SlotPicker";
import { visitParts, visitTime } from "./time";
import type { ClinicsState } from "./useClinics";
import { groupCode, normalizeCode, normalizePhone } from "./validate";

type View = "lookup" | "booking" | "cancel" | "move" | "confirmMove" | "moved";

/** A zone for a clinic missing from the list, from the offset its times carry. */
export function zoneFromOffset(at: string): string {
  const m = /([+-])(\d{2}):(\d{2})$/.exec(at);
  if (!m) return "UTC";
  const hours = Number(m[2]);
  if (m[1] === "+" && hours === 7) return "Asia/Jakarta";
  if (m[1] === "+" && hours === 8) return "Asia/Makassar";
  if (m[1] === "+" && hours === 9) return "Asia/Jayapura";
  // Etc/GMT zones count the other way round: Etc/GMT-7 is UTC+7.
  return m[3] === "00" && hours <= 14 ? `Etc/GMT${m[1] === "+" ? "-" : "+"}${hours}` : "UTC";
}

interface Props {
  lang: Lang;
  t: T;
  clinics: ClinicsState;
  /** A code to start with (from the confirmation just shown). */
  initialCode?: string;
  /** Back to booking, afresh. */
  onNewBooking: () => void;
}

export function Manage({ lang, t, clinics, initialCode = "", onNewBooking }: Props) {
  const [view, setView] = useState<View>("lookup");
  const [code, setCode] = useState(initialCode ? groupCode(initialCode) : "");
  const [phone, setPhone] = useState("");
  const [problems, setProblems] = useState<{ code?: BookKey; phone?: BookKey }>({});
  /** The normalised number the booking was found with (memory only). */
  const [verified, setVerified] = useState("");
  const [booking, setBooking] = useState<BookingView | null>(null);
  const [pick, setPick] = useState<Slot | null>(null);
  const [moved, setMoved] = useState<BookingConfirmation | null>(null);
  const [day, setDay] = useState<string | null>(null);
  const [refresh, setRefresh] = useState(0);
  const [notice, setNotice] = useState<BookKey | null>(null);
  const [refusal, setRefusal] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [waiting, wait] = useCooldown();
  const scope = useFocusOnStep(view);

  const go = (next: View) => {
    setRefusal(null);
    setView(next);
  };
  const refused = (e: unknown) => {
    const err = e as { status?: number; retryAfter?: number };
    if (err.status === 429) wait(err.retryAfter);
    setRefusal(e ?? new Error());
  };
  /** Runs one request at a time (a second press while one is out does nothing). */
  const run = (work: () => Promise<void>) => {
    if (busy || waiting) return;
    setBusy(true);
    setRefusal(null);
    work()
      .catch(refused)
      .finally(() => setBusy(false));
  };

  const clinic = booking ? clinics.clinics?.find((c) => c.id === booking.clinic) : undefined;
  const zone = clinic?.time_zone ?? (booking ? zoneFromOffset(booking.start) : "Asia/Jakarta");
  const serviceName = booking ? (lang === "id" ? booking.service_name_id : booking.service_name_en) : "";
  const when = booking ? visitTime(booking.start, booking.end, zone, lang) : "";

  const find = (e: FormEvent) => {
    e.preventDefault();
    const p: typeof problems = {};
    if (!normalizeCode(code)) p.code = "errCode";
    if (!phone.trim()) p.phone = "errPhoneEmpty";
    else if (!normalizePhone(phone)) p.phone = "errPhone";
    setProblems(p);
    if (p.code || p.phone) {
      document.getElementById(p.code ? "manage-code" : "manage-phone")?.focus();
      return;
    }
    const number = normalizePhone(phone)!;
    run(async () => {
      const found = await lookupBooking(lang, normalizeCode(code), number);
      setVerified(number);
      setBooking(found);
      go("booking");
    });
  };

  const cancel = () =>
    run(async () => {
      setBooking(await cancelBooking(lang, booking!.code, verified));
      go("booking");
    });

  const move = () =>
    run(async () => {
      try {
        const answer = await moveBooking(lang, booking!.code, verified, pick!.start);
        setMoved(answer);
        setBooking({ ...booking!, code: answer.code, start: answer.start, end: pick!.start === answer.start ? pick!.end : booking!.end });
        go("moved");
      } catch (e) {
        if ((e as { code?: string }).code !== "slot_full") throw e;
        // Taken meanwhile: back to the times, fetched again.
        setNotice("err_slot_full");
        setRefresh((n) => n + 1);
        go("move");
      }
    });

  const backButton = (to: View) => (
    <button type="button" className="book-back" onClick={() => go(to)}>
      <span aria-hidden="true">←</span> {t("back")}
    </button>
  );
  const alert = refusal !== null && <Alert testId="manage-refusal">{errorText(refusal, t, "booking")}</Alert>;

  if (view === "lookup" || !booking) {
    return (
      <section ref={scope} className="book-step" data-step="lookup">
        <StepHeading>{t("manageTitle")}</StepHeading>
        <p className="book-lead">{t("manageIntro")}</p>
        {alert}
        <form className="book-form" noValidate onSubmit={find}>
          <TextField id="manage-code" label={t("code")} marker={t("required")} hint={t("codeHint")} error={problems.code && t(problems.code)} value={code} onChange={setCode} required autoComplete="off" autoCapitalize="characters" maxLength={16} />
          <TextField id="manage-phone" label={t("phone")} marker={t("required")} hint={t("phoneHint")} error={problems.phone && t(problems.phone)} value={phone} onChange={setPhone} required type="tel" inputMode="tel" autoComplete="tel" maxLength={20} />
          <button type="submit" className="book-button primary" aria-disabled={busy || waiting || undefined} data-testid="manage-find">
            {busy ? t("finding") : t("find")}
          </button>
        </form>
        <p className="book-aside">
          <NewBookingLink t={t} onNewBooking={onNewBooking} />
        </p>
      </section>
    );
  }

  if (view === "cancel") {
    return (
      <section ref={scope} className="book-step" data-step="cancel">
        {backButton("booking")}
        <StepHeading>{t("cancel")}</StepHeading>
        <p className="book-lead">{t("cancelConfirm", { code: groupCode(booking.code), when })}</p>
        <p className="book-note">{t("cancelNote")}</p>
        {alert}
        <div className="book-actions">
          <button type="button" className="book-button danger" onClick={cancel} aria-disabled={busy || waiting || undefined} data-testid="cancel-yes">
            {t("cancelYes")}
          </button>
          <button type="button" className="book-button secondary" onClick={() => go("booking")}>
            {t("cancelNo")}
          </button>
        </div>
      </section>
    );
  }

  if (view === "move" || view === "confirmMove") {
    if (!clinic) {
      // The clinic no longer lists online times: nothing to move to.
      return (
        <section ref={scope} className="book-step" data-step="move">
          {backButton("booking")}
          <StepHeading>{t("moveTitle")}</StepHeading>
          {clinics.error ? <Alert>{clinics.error}</Alert> : <p role="status">{clinics.clinics ? t("noServices") : t("loading")}</p>}
        </section>
      );
    }
    if (view === "confirmMove" && pick) {
      return (
        <section ref={scope} className="book-step" data-step="confirmMove">
          {backButton("move")}
          <StepHeading>{t("move")}</StepHeading>
          <p className="book-lead">{t("moveConfirm", { code: groupCode(booking.code) })}</p>
          <dl className="book-card book-facts">
            <div>
              <dt>{t("currentTime")}</dt>
              <dd>
                <VisitTime parts={visitParts(booking.start, booking.end, zone, lang)} />
              </dd>
            </div>
            <div>
              <dt>{t("newTime")}</dt>
              <dd>
                <VisitTime testId="move-to" parts={visitParts(pick.start, pick.end, zone, lang)} />
              </dd>
            </div>
          </dl>
          {alert}
          <div className="book-actions">
            <button type="button" className="book-button primary" onClick={move} aria-disabled={busy || waiting || undefined} data-testid="move-yes">
              {t("moveYes")}
            </button>
            <button type="button" className="book-button secondary" onClick={() => go("move")}>
              {t("moveNo")}
            </button>
          </div>
        </section>
      );
    }
    return (
      <section ref={scope} className="book-step" data-step="move">
        {backButton("booking")}
        <StepHeading>{t("moveTitle")}</StepHeading>
        <p className="book-lead">
          {serviceName} · {booking.clinic_name}
        </p>
        {alert}
        <SlotPicker
          lang={lang}
          t={t}
          clinic={clinic}
          service={booking.service}
          day={day}
          onDay={(d) => {
            setDay(d);
            setNotice(null);
          }}
          onPick={(slot) => {
            setPick(slot);
            setNotice(null);
            go("confirmMove");
          }}
          notice={notice && t(notice)}
          refresh={refresh}
          current={booking.start}
        />
      </section>
    );
  }

  if (view === "moved" && moved) {
    return (
      <section ref={scope} className="book-step" data-step="moved">
        <StepHeading>
          <span className="book-tick" aria-hidden="true">
            ✓
          </span>{" "}
          {t("moved")}
        </StepHeading>
        <Confirmation t={t} lang={lang} booking={moved} clinicName={booking.clinic_name} serviceName={serviceName} timeZone={zone} end={booking.end}>
          <div className="book-next">
            <button type="button" className="book-link-button" onClick={() => go("booking")}>
              {t("manageTitle")}
            </button>
          </div>
        </Confirmation>
      </section>
    );
  }

  // The booking found.
  return (
    <section ref={scope} className="book-step" data-step="booking">
      <StepHeading>{t("manageTitle")}</StepHeading>
      {alert}
      {booking.status === "cancelled" && (
        <p className="book-banner" role="status" data-testid="cancelled">
          {t("cancelled", { code: groupCode(booking.code) })}
        </p>
      )}
      <div className="book-card book-found" data-testid="booking">
        <div>
          <p className="book-eyebrow">{t("code")}</p>
          <p className="book-code small">{groupCode(booking.code)}</p>
        </div>
        <VisitFacts t={t} lang={lang} clinic={booking.clinic_name} service={serviceName} start={booking.start} end={booking.end} zone={zone} className="book-facts" timeTestId="booking-time">
          <div>
            <dt>{t("status")}</dt>
            <dd>
              <span className={`book-status ${booking.status}`} data-testid="booking-status">
                {t(`status_${booking.status}`)}
              </span>
            </dd>
          </div>
        </VisitFacts>
      </div>
      {booking.status === "checked_in" && <p className="book-note">{t("checkedInNote")}</p>}
      {booking.status === "booked" && (
        <div className="book-actions">
          <button type="button" className="book-button primary" onClick={() => go("move")} data-testid="move">
            {t("move")}
          </button>
          <button type="button" className="book-button danger-outline" onClick={() => go("cancel")} data-testid="cancel">
            {t("cancel")}
          </button>
        </div>
      )}
      <p className="book-aside">
        <button
          type="button"
          className="book-link-button"
          onClick={() => {
            setBooking(null);
            setVerified("");
            setCode("");
            setPhone("");
            go("lookup");
          }}
        >
          {t("otherBooking")}
        </button>
        {booking.status === "cancelled" && (
          <NewBookingLink t={t} onNewBooking={onNewBooking} />
        )}
      </p>
    </section>
  );
}
