// A clinic's report, wherever it is read (the node's admin screen, Reports.tsx; the head
// office, hq/HqReports.tsx): a range of days, the figures per service and for the whole
// clinic, tickets by hour (a bar chart) and by weekday × hour (a heat map), per counter
// and staff member, appointments, how good the wait estimates were, and the same
// figures as CSV or XLSX. The figures are the `Summary` defined once in
// core/src/report.rs; how they are fetched and downloaded is the caller's. The charts
// are plain SVG.
import { useCallback, useEffect, useState, type ReactNode } from "react";
import { ApiError } from "../api/client";
import type { ReportSummary, ServiceFigures } from "../api/types";
import { dayIn } from "../lib/clinicTime";
import { errorText } from "../lib/errors";
import type { Key } from "../lib/i18n";
import { useNewest } from "../lib/newest";

/** `seconds` as people read a wait: `45 dtk`, `12 mnt`, `1 j 05 mnt` (`45 s`, `12 min`, `1 h 05 min`). */
export function duration(seconds: number | null | undefined, lang: "id" | "en"): string {
  if (seconds === null || seconds === undefined) return "—";
  const [s, m, h] = lang === "id" ? ["dtk", "mnt", "j"] : ["s", "min", "h"];
  if (seconds < 60) return `${Math.round(seconds)} ${s}`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} ${m}`;
  return `${Math.floor(minutes / 60)} ${h} ${String(minutes % 60).padStart(2, "0")} ${m}`;
}

/** A share as a whole percentage, `80%`. */
export function percent(ratio: number | null | undefined): string {
  return ratio === null || ratio === undefined ? "—" : `${Math.round(ratio * 100)}%`;
}

/** The day `days` before `day` (`YYYY-MM-DD`). */
export function daysBefore(day: string, days: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - days);
  return d.toISOString().slice(0, 10);
}

const WEEKDAYS: Record<"id" | "en", string[]> = {
  id: ["Sen", "Sel", "Rab", "Kam", "Jum", "Sab", "Min"],
  en: ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
};

/** Tickets issued per hour of the day, as bars (plain SVG). */
export function HourChart({ counts, t }: { counts: number[]; t: (k: Key) => string }) {
  const max = Math.max(1, ...counts);
  const [w, h, pad] = [24 * 22, 140, 18];
  // 14 units above the bars for the tallest one's count.
  return (
    <svg className="chart" viewBox={`0 -14 ${w} ${h + pad + 14}`} role="img" aria-label={t("reportByHour")} data-testid="hour-chart">
      {counts.map((n, hour) => {
        const height = (n / max) * h;
        return (
          <g key={hour}>
            <rect x={hour * 22 + 2} y={h - height} width={18} height={height} className="bar" data-testid={`bar-${hour}`} data-count={n}>
              <title>{`${String(hour).padStart(2, "0")}:00 — ${n}`}</title>
            </rect>
            {n > 0 && (
              <text x={hour * 22 + 11} y={h - height - 3} textAnchor="middle" className="bar-value">
                {n}
              </text>
            )}
            {hour % 2 === 0 && (
              <text x={hour * 22 + 11} y={h + 13} textAnchor="middle" className="axis">
                {String(hour).padStart(2, "0")}
              </text>
            )}
          </g>
        );
      })}
    </svg>
  );
}

/** Tickets issued per weekday and hour, as shades of one colour (plain SVG). */
export function HeatMap({ grid, t, lang }: { grid: number[][]; t: (k: Key) => string; lang: "id" | "en" }) {
  const max = Math.max(1, ...grid.flat());
  const [cell, left, top] = [20, 36, 16];
  return (
    <svg className="chart" viewBox={`0 0 ${left + 24 * cell} ${top + 7 * cell}`} role="img" aria-label={t("reportHeatMap")} data-testid="heat-map">
      {Array.from({ length: 24 }, (_, hour) =>
        hour % 3 === 0 ? (
          <text key={hour} x={left + hour * cell + cell / 2} y={11} textAnchor="middle" className="axis">
            {String(hour).padStart(2, "0")}
          </text>
        ) : null,
      )}
      {grid.map((hours, day) => (
        <g key={day}>
          <text x={left - 6} y={top + day * cell + 14} textAnchor="end" className="axis">
            {WEEKDAYS[lang][day]}
          </text>
          {hours.map((n, hour) => (
            <rect
              key={hour}
              x={left + hour * cell}
              y={top + day * cell}
              width={cell - 2}
              height={cell - 2}
              rx={3}
              className="heat"
              style={{ fillOpacity: n === 0 ? 0.06 : 0.2 + 0.8 * (n / max) }}
              data-count={n}
            >
              <title>{`${WEEKDAYS[lang][day]} ${String(hour).padStart(2, "0")}:00 — ${n}`}</title>
            </rect>
          ))}
        </g>
      ))}
    </svg>
  );
}

function ServiceTableRow({ f, lang, whole }: { f: ServiceFigures; lang: "id" | "en"; whole?: boolean }) {
  return (
    <tr className={whole ? "report-total" : undefined} data-testid={`report-row-${f.service ?? "all"}`}>
      <th scope="row">{lang === "id" ? f.name_id : f.name_en}</th>
      <td>{f.issued}</td>
      <td>{f.served}</td>
      <td>{f.no_show}</td>
      <td>{f.cancelled}</td>
      <td>{duration(f.wait_p50_s, lang)}</td>
      <td>{duration(f.wait_p90_s, lang)}</td>
      <td>{duration(f.wait_max_s, lang)}</td>
      <td>{duration(f.service_p50_s, lang)}</td>
      <td>{duration(f.service_p90_s, lang)}</td>
      <td>
        {percent(f.within_target_ratio)}
        {f.target_wait_minutes ? <span className="muted small-text"> / {duration(f.target_wait_minutes * 60, lang)}</span> : null}
      </td>
    </tr>
  );
}

/** Where a report comes from: the caller's fetch of the figures and of the files. */
export interface ReportSource {
  /** The figures of `from`..`to` (clinic-local days, inclusive). */
  summary: (from: string, to: string) => Promise<ReportSummary>;
  /** The same figures as a file. */
  file: (from: string, to: string, ext: "csv" | "xlsx") => Promise<Blob>;
  /** The downloaded file's name. */
  fileName: (from: string, to: string, ext: "csv" | "xlsx") => string;
}

/** A clinic's report of a range of days (the last seven of the clinic's calendar at
 * first): what it shows is `source`'s; `controls` go beside the range (the head
 * office's clinic picker). */
export function ReportView({
  source,
  t,
  lang,
  timeZone,
  fail,
  counterNames = {},
  controls,
  title,
  testId = "reports",
}: {
  source: ReportSource;
  t: (k: Key) => string;
  lang: "id" | "en";
  timeZone: string;
  /** A refusal other than a range the server will not report on (those are shown here). */
  fail: (e: unknown) => void;
  /** The clinic's counters by id, to name them as the display does (`Loket 1`). */
  counterNames?: Record<string, string>;
  controls?: ReactNode;
  /** Whose report, after the heading's "Laporan". */
  title?: string;
  testId?: string;
}) {
  const today = dayIn(timeZone);
  const [from, setFrom] = useState(() => daysBefore(today, 6));
  const [to, setTo] = useState(today);
  const [report, setReport] = useState<ReportSummary | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<"csv" | "xlsx" | null>(null);
  const newest = useNewest();
  const load = useCallback(() => {
    const current = newest();
    setError(null);
    source.summary(from, to).then(
      (got) => current() && setReport(got),
      (e: ApiError) => {
        if (!current()) return;
        if (e.status === 422) setError(e.message);
        else fail(e);
      },
    );
  }, [source, from, to, fail, newest]);
  useEffect(load, [load]);
  // Another clinic's figures are not this one's, even for a moment.
  useEffect(() => setReport(null), [source]);

  const download = async (ext: "csv" | "xlsx") => {
    setBusy(ext);
    setError(null);
    try {
      const blob = await source.file(from, to, ext);
      const link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = source.fileName(from, to, ext);
      link.click();
      URL.revokeObjectURL(link.href);
    } catch (e) {
      setError(errorText(e, t));
    } finally {
      setBusy(null);
    }
  };

  return (
    <section className="card wide reports" aria-labelledby="reports-title" data-testid={testId}>
      <div className="row spread">
        <h2 id="reports-title">
          {t("reports")}
          {title && <span className="muted"> · {title}</span>}
        </h2>
        <div className="row">
          <button onClick={() => void download("csv")} disabled={busy !== null} data-testid="report-csv">
            {t("reportCsv")}
          </button>
          <button onClick={() => void download("xlsx")} disabled={busy !== null} data-testid="report-xlsx">
            {t("reportXlsx")}
          </button>
        </div>
      </div>
      <form
        className="row report-range"
        aria-label={t("reportRange")}
        onSubmit={(e) => {
          e.preventDefault();
          load();
        }}
      >
        <label>
          {t("reportFrom")} <input type="date" value={from} max={to} onChange={(e) => setFrom(e.target.value)} data-testid="report-from" />
        </label>
        <label>
          {t("reportTo")} <input type="date" value={to} min={from} onChange={(e) => setTo(e.target.value)} data-testid="report-to" />
        </label>
        {controls}
        <span className="muted small-text">{timeZone}</span>
      </form>
      {error && (
        <p className="banner banner-error" role="alert" data-testid="report-error">
          {error}
        </p>
      )}
      {report && (
        <>
          <div className="audit-scroll" tabIndex={0} role="region" aria-label={t("reportPerService")}>
            <table className="table report-table" data-testid="report-services">
              <thead>
                <tr>
                  <th scope="col">{t("services")}</th>
                  <th scope="col">{t("reportIssued")}</th>
                  <th scope="col">{t("reportServed")}</th>
                  <th scope="col">{t("reportNoShow")}</th>
                  <th scope="col">{t("reportCancelled")}</th>
                  <th scope="col">{t("reportWaitP50")}</th>
                  <th scope="col">{t("reportWaitP90")}</th>
                  <th scope="col">{t("reportWaitMax")}</th>
                  <th scope="col">{t("reportServiceP50")}</th>
                  <th scope="col">{t("reportServiceP90")}</th>
                  <th scope="col">{t("reportWithinTarget")}</th>
                </tr>
              </thead>
              <tbody>
                {report.per_service.map((f) => (
                  <ServiceTableRow key={f.service ?? ""} f={f} lang={lang} />
                ))}
                <ServiceTableRow f={report.whole_clinic} lang={lang} whole />
              </tbody>
            </table>
          </div>
          <div className="report-charts">
            <figure>
              <figcaption>{t("reportByHour")}</figcaption>
              <HourChart counts={report.by_hour} t={t} />
            </figure>
            <figure>
              <figcaption>{t("reportHeatMap")}</figcaption>
              <HeatMap grid={report.heat_map} t={t} lang={lang} />
            </figure>
          </div>
          <div className="report-facts">
            <div>
              <h3>{t("counters")}</h3>
              <table className="table" data-testid="report-counters">
                <tbody>
                  {report.per_counter.map((c) => (
                    <tr key={c.counter}>
                      <th scope="row">{counterNames[c.counter] ?? c.counter}</th>
                      <td>
                        {c.served} {t("reportServed").toLowerCase()}
                      </td>
                      <td>{duration(c.mean_service_s, lang)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <div>
              <h3>{t("staff")}</h3>
              <table className="table" data-testid="report-staff">
                <tbody>
                  {report.per_staff.map((s) => (
                    <tr key={s.staff}>
                      <th scope="row">{s.username ?? s.staff}</th>
                      <td>
                        {s.served} {t("reportServed").toLowerCase()}
                      </td>
                      <td>{duration(s.mean_service_s, lang)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <div>
              <h3>{t("reportAppointments")}</h3>
              <dl className="report-list" data-testid="report-appointments">
                <dt>{t("reportBooked")}</dt>
                <dd>{report.appointments.booked}</dd>
                <dt>{t("reportCheckedIn")}</dt>
                <dd>{report.appointments.checked_in}</dd>
                <dt>{t("reportMissed")}</dt>
                <dd>{report.appointments.missed}</dd>
                <dt>{t("reportCancelled")}</dt>
                <dd>{report.appointments.cancelled}</dd>
              </dl>
              <h3>{t("reportEstimate")}</h3>
              <p data-testid="report-estimate">
                {duration(report.estimate_mae_s, lang)} <span className="muted small-text">(n = {report.estimate_samples})</span>
              </p>
            </div>
          </div>
        </>
      )}
    </section>
  );
}
