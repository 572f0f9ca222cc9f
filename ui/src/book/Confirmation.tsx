// A booking made (or moved): the code large and grouped, its QR code for the kiosk, the
// visit in the clinic's time, the calendar file and what to do on arrival.
import type { ReactNode } from "react";
import type { BookingConfirmation, Lang } from "./api";
import type { T } from "./i18n";
import { VisitFacts } from "./parts";
import { groupCode } from "./validate";

interface Props {
  t: T;
  lang: Lang;
  booking: BookingConfirmation;
  clinicName: string;
  serviceName: string;
  timeZone: string;
  /** The slot's end, when known (the answer gives only the start). */
  end?: string;
  /** What comes after: manage, another booking. */
  children?: ReactNode;
}

export function Confirmation({ t, lang, booking, clinicName, serviceName, timeZone, end, children }: Props) {
  const grouped = groupCode(booking.code);
  return (
    <div className="book-done" data-testid="confirmation">
      <section className="book-card book-ticket" aria-labelledby="book-code-label">
        <p className="book-eyebrow" id="book-code-label">
          {t("yourCode")}
        </p>
        <p className="book-code" data-testid="booking-code">
          {grouped}
        </p>
        <img className="book-qr" src={booking.qr_url} alt={t("qrAlt", { code: grouped })} width={208} height={208} />
        <p className="book-kiosk">{t("atKiosk")}</p>
      </section>
      <VisitFacts t={t} lang={lang} clinic={clinicName} service={serviceName} start={booking.start} end={end} zone={timeZone} className="book-card book-facts" testId="visit" timeTestId="visit-time" />
      <p className="book-note">{t("keepCode")}</p>
      {/* No `download`: iPhones then save the file away instead of offering to add it. */}
      <a className="book-button secondary" href={booking.ics_url} data-testid="ics">
        {t("addToCalendar")}
      </a>
      {children}
    </div>
  );
}
