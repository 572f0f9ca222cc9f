// A clinic's report at the head office: the clinic picked among those the cloud gives
// the caller (a manager's own), then the shared ReportView over
// GET /hq/v1/reports/summary (and its .csv and .xlsx) with the login's token.
import { useMemo } from "react";
import { hqApi } from "../../api/hq";
import type { Key } from "../../lib/i18n";
import { ReportView, type ReportSource } from "../ReportView";
import { useClinicNames, type SeenOverview } from "./parts";

/** A file name's part for a clinic: `klinik-sehat-sentosa`. */
function slug(name: string): string {
  return (
    name
      .normalize("NFKD")
      .replace(/[^\w\s-]/g, "")
      .trim()
      .toLowerCase()
      .replace(/[\s_]+/g, "-") || "klinik"
  );
}

export function HqReports({
  rows,
  clinic,
  setClinic,
  t,
  lang,
  fail,
}: {
  rows: SeenOverview[];
  /** The clinic asked for (the address's `?clinic=`); the first one when none. */
  clinic: string | null;
  setClinic: (id: string) => void;
  t: (k: Key) => string;
  lang: "id" | "en";
  fail: (e: unknown) => void;
}) {
  const sorted = useMemo(() => [...rows].sort((a, b) => a.name.localeCompare(b.name, lang)), [rows, lang]);
  const row = sorted.find((r) => r.id === clinic) ?? sorted[0];
  const id = row?.id;
  const name = row?.name ?? "";
  const names = useClinicNames(id, lang);
  const source = useMemo<ReportSource | null>(
    () =>
      id
        ? {
            summary: (from, to) => hqApi.summary({ clinic: id, from, to }),
            file: (from, to, ext) => hqApi.download({ clinic: id, from, to }, ext),
            fileName: (from, to, ext) => `laporan-${slug(name)}-${from}-${to}.${ext}`,
          }
        : null,
    [id, name],
  );
  if (!row || !source) return <p className="audit-empty card">{t("hqNoClinics")}</p>;
  return (
    <div className="hq-page">
      <h1 className="sr-only">
        {t("reports")} · {row.name}
      </h1>
      <ReportView
        source={source}
        t={t}
        lang={lang}
        timeZone={row.time_zone}
        fail={fail}
        title={row.name}
        counterNames={names.counters}
        testId="hq-reports"
        controls={
          <label>
            {t("hqReportClinic")}{" "}
            <select value={row.id} onChange={(e) => setClinic(e.target.value)} data-testid="report-clinic">
              {sorted.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.name}
                </option>
              ))}
            </select>
          </label>
        }
      />
    </div>
  );
}
