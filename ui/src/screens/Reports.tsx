// The clinic's reports on the node's admin screen: ReportView over the node's
// GET /api/v1/reports/summary (and its .csv and .xlsx), with the staff session.
import { useMemo } from "react";
import { api, ApiError, requestLanguage } from "../api/client";
import type { Key } from "../lib/i18n";
import { ReportView, type ReportSource } from "./ReportView";

export { daysBefore, duration, HeatMap, HourChart, percent } from "./ReportView";

export function Reports({
  token,
  t,
  lang,
  timeZone,
  fail,
  counterNames = {},
}: {
  token: string;
  t: (k: Key) => string;
  lang: "id" | "en";
  timeZone: string;
  fail: (e: unknown) => void;
  /** The clinic's counters by id, to name them as the display does (`Loket 1`). */
  counterNames?: Record<string, string>;
}) {
  const source = useMemo<ReportSource>(
    () => ({
      summary: (from, to) => api("GET", "/api/v1/reports/summary", { token, query: { from, to } }),
      file: async (from, to, ext) => {
        let res: Response;
        try {
          res = await fetch(`/api/v1/reports/summary.${ext}?from=${from}&to=${to}`, { headers: { authorization: `Bearer ${token}`, "accept-language": requestLanguage() } });
        } catch {
          throw new ApiError(0, "offline", "the node cannot be reached");
        }
        if (!res.ok) {
          const e = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
          throw new ApiError(res.status, (e.code ?? "unknown") as ApiError["code"], e.message ?? res.statusText);
        }
        return res.blob();
      },
      fileName: (from, to, ext) => `laporan-${from}-${to}.${ext}`,
    }),
    [token],
  );
  return <ReportView source={source} t={t} lang={lang} timeZone={timeZone} fail={fail} counterNames={counterNames} />;
}
