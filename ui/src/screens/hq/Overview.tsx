// The chain at a glance: the totals across the clinics the caller sees, then one row per
// clinic — waiting now, the longest current wait, served and no-shows today, and each
// device's freshness in the clinic's own time zone. Found by name, sorted four ways;
// the rows are the cloud's (GET /hq/v1/clinics), replaced live by its `overview` events.
import { useMemo, useState } from "react";
import type { Key } from "../../lib/i18n";
import { fill } from "../../lib/i18nHq";
import { DeviceLine, longestWaitNow, offlineCount, Stat, waitMinutes, type SeenOverview } from "./parts";

type Sort = "name" | "waiting" | "longest" | "offline";

export function Overview({
  rows,
  now,
  t,
  lang,
  open,
}: {
  rows: SeenOverview[];
  now: number;
  t: (k: Key) => string;
  lang: "id" | "en";
  /** Opens a clinic's view (its href is `/hq/clinics/{id}`). */
  open: (href: string) => void;
}) {
  const [query, setQuery] = useState("");
  const [sort, setSort] = useState<Sort>("name");
  const totals = useMemo(() => {
    const devices = rows.flatMap((r) => r.devices);
    return {
      waiting: rows.reduce((n, r) => n + r.waiting, 0),
      longest: Math.max(0, ...rows.map((r) => longestWaitNow(r, now))),
      served: rows.reduce((n, r) => n + r.served_today, 0),
      noShow: rows.reduce((n, r) => n + r.no_show_today, 0),
      devices: devices.length,
      offline: offlineCount(devices, now),
    };
  }, [rows, now]);
  const shown = useMemo(() => {
    const q = query.trim().toLocaleLowerCase();
    const found = q ? rows.filter((r) => r.name.toLocaleLowerCase().includes(q)) : rows;
    const byName = (a: SeenOverview, b: SeenOverview) => a.name.localeCompare(b.name, lang);
    const key: Record<Sort, (r: SeenOverview) => number> = {
      name: () => 0,
      waiting: (r) => r.waiting,
      longest: (r) => longestWaitNow(r, now),
      offline: (r) => offlineCount(r.devices, now),
    };
    return [...found].sort((a, b) => key[sort](b) - key[sort](a) || byName(a, b));
  }, [rows, query, sort, now, lang]);

  return (
    <div className="hq-page" data-testid="hq-overview">
      <section className="hq-totals" aria-label={t("hqChainTotal")} data-testid="hq-totals">
        <Stat label={t("hqWaitingNow")} value={totals.waiting} testId="total-waiting" />
        <Stat label={t("hqLongestWait")} value={waitMinutes(totals.longest, totals.waiting, lang)} testId="total-longest" />
        <Stat label={t("hqServedToday")} value={totals.served} testId="total-served" />
        <Stat label={t("hqNoShowToday")} value={totals.noShow} testId="total-no-show" />
        <Stat
          label={t("hqDevices")}
          value={`${totals.devices - totals.offline}/${totals.devices}`}
          note={totals.offline ? fill(t("hqDevicesOffline"), { n: totals.offline }) : t("hqAllOnline")}
          tone={totals.offline ? "warn" : "ok"}
          testId="total-devices"
        />
      </section>
      <section className="card hq-clinics" aria-labelledby="hq-clinics-title">
        <div className="hq-toolbar">
          <h1 id="hq-clinics-title">
            {t("hqOverviewTitle")} <span className="muted small-text">{fill(t("hqClinicCount"), { n: rows.length })}</span>
          </h1>
          <label className="hq-field">
            <span>{t("hqFilter")}</span>
            <input type="search" value={query} placeholder={t("hqFilterPlaceholder")} onChange={(e) => setQuery(e.target.value)} data-testid="hq-filter" />
          </label>
          <label className="hq-field">
            <span>{t("hqSort")}</span>
            <select value={sort} onChange={(e) => setSort(e.target.value as Sort)} data-testid="hq-sort">
              <option value="name">{t("hqSortName")}</option>
              <option value="waiting">{t("hqSortWaiting")}</option>
              <option value="longest">{t("hqSortLongest")}</option>
              <option value="offline">{t("hqSortOffline")}</option>
            </select>
          </label>
        </div>
        {rows.length === 0 ? (
          <p className="audit-empty">{t("hqNoClinics")}</p>
        ) : shown.length === 0 ? (
          <p className="audit-empty">{fill(t("hqNoMatch"), { q: query.trim() })}</p>
        ) : (
          <table className="table hq-table">
            <thead>
              <tr>
                <th scope="col">{t("hqClinic")}</th>
                <th scope="col" className="num">{t("hqWaitingNow")}</th>
                <th scope="col" className="num">{t("hqLongestWait")}</th>
                <th scope="col" className="num">{t("hqServedToday")}</th>
                <th scope="col" className="num">{t("hqNoShowToday")}</th>
                <th scope="col">{t("hqDevices")}</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((r) => {
                const href = `/hq/clinics/${encodeURIComponent(r.id)}`;
                const offline = offlineCount(r.devices, now);
                return (
                  <tr key={r.id} data-testid={`clinic-${r.id}`} className={offline ? "has-offline" : undefined}>
                    <th scope="row">
                      <a
                        href={href}
                        className="clinic-link"
                        onClick={(e) => {
                          if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
                          e.preventDefault();
                          open(href);
                        }}
                      >
                        {r.name}
                      </a>
                      <span className="muted small-text clinic-zone">{r.time_zone}</span>
                    </th>
                    <td className="num" data-label={t("hqWaitingNow")} data-testid="waiting">
                      {r.waiting}
                    </td>
                    <td className="num" data-label={t("hqLongestWait")} data-testid="longest">
                      {waitMinutes(longestWaitNow(r, now), r.waiting, lang)}
                    </td>
                    <td className="num" data-label={t("hqServedToday")} data-testid="served">
                      {r.served_today}
                    </td>
                    <td className="num" data-label={t("hqNoShowToday")} data-testid="no-show">
                      {r.no_show_today}
                    </td>
                    <td data-label={t("hqDevices")}>
                      {r.devices.length === 0 ? (
                        <span className="muted">{t("hqNoDevices")}</span>
                      ) : (
                        <ul className="device-list">
                          {r.devices.map((d) => (
                            <DeviceLine key={d.id} device={d} timeZone={r.time_zone} now={now} t={t} lang={lang} />
                          ))}
                        </ul>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
