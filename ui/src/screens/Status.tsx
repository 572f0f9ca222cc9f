// The patient's status page, opened from the ticket's QR code on a phone: position,
// estimated wait, called or not. No login; no patient data.
import { useCallback, useState } from "react";
import { api } from "../api/client";
import type { PublicTicketView } from "../api/types";
import { useLang, waitText, type Key } from "../lib/i18n";
import { usePolling } from "../lib/live";
import { errorText } from "./common";

export function Status({ id }: { id: string }) {
  const { t, toggle, lang } = useLang();
  // The ticket the QR code names and, after a transfer, the one the visit goes on with
  // (where the patient now waits).
  const [first, setFirst] = useState<PublicTicketView | null>(null);
  const [ticket, setTicket] = useState<PublicTicketView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    const get = (ticketId: string) =>
      api("GET", "/api/v1/public/tickets/{id}", { params: { id: ticketId } });
    get(id)
      .then(async (x) => {
        setFirst(x);
        setTicket(x.next ? await get(x.next.ticket_id) : x);
        setError(null);
      })
      .catch((e: unknown) => setError(errorText(e, t)));
  }, [id, t]);
  usePolling(load, 10_000);
  const called = ticket?.status === "called" || ticket?.status === "serving";
  // The step of the visit the patient is at (registration, the poli's room).
  const step = ticket && (lang === "id" ? ticket.step_name_id : ticket.step_name_en);
  return (
    <main className="status-page" data-testid="status-page">
      <header className="row spread">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">+</span>
          <span>Medicloud</span>
        </div>
        <button className="link-button" onClick={toggle}>
          {t("language")}
        </button>
      </header>
      {error && (
        <p className="banner banner-error" role="alert">
          {error}
        </p>
      )}
      {first?.next && (
        <p className="banner" role="status" data-testid="next-step">
          {t("transferredTo")}{" "}
          <strong>{lang === "id" ? first.next.service_name_id : first.next.service_name_en}</strong>.{" "}
          {first.next.label === first.label ? t("sameNumber") : t("newNumber")}: <strong>{first.next.label}</strong>.{" "}
          {t("transferAdvice")}
        </p>
      )}
      {ticket && (
        <section className={`card status-card ${called ? "called" : ""}`}>
          <p className="eyebrow">{t("yourTicket")}</p>
          <p className="ticket-label">{ticket.label}</p>
          {(ticket.earlier_labels?.length ?? 0) > 0 && (
            <p className="ticket-earlier" data-testid="earlier-labels">
              {t("newNumber")} ({t("earlierNumber")} {ticket.earlier_labels?.join(", ")})
            </p>
          )}
          <p className="ticket-service">{lang === "id" ? ticket.service_name_id : ticket.service_name_en}</p>
          {step && (
            <p className="ticket-step" data-testid="current-step">
              {t("currentStep")}: <strong>{step}</strong>
            </p>
          )}
          <p className="pill big-pill" role="status">
            {t(`status_${ticket.status}` as Key)}
          </p>
          {called && ticket.counter_name ? (
            <p className="call-counter">
              {t("calledTo")} <strong>{ticket.counter_name}</strong>
            </p>
          ) : (
            ticket.status === "waiting" && (
              <>
              {step && (
                <p className="step-advice">
                  {t("waitAtStep")} <strong>{step}</strong>.
                </p>
              )}
              <div className="ticket-facts">
                <div>
                  <strong>{ticket.people_ahead ?? 0}</strong>
                  <span>{t("peopleAhead")}</span>
                </div>
                <div>
                  <strong>{waitText(ticket.estimated_wait_seconds, t)}</strong>
                  <span>{t("estimatedWait")}</span>
                </div>
              </div>
              </>
            )
          )}
          {ticket.status === "no_show" && (
            <p className="step-advice" data-testid="no-show-advice">
              {t("noShowAdvice")}
            </p>
          )}
        </section>
      )}
    </main>
  );
}
