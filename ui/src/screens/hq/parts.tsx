// What the head office's screens share: a clinic's row as last received, the devices'
// freshness in words, the figures' tiles, the live indicator.
import { useEffect, useState } from "react";
import { hqApi, type ClinicOverview, type DeviceSeen } from "../../api/hq";
import { clockTime, dateTime, dayIn } from "../../lib/clinicTime";
import type { Key } from "../../lib/i18n";
import { fill } from "../../lib/i18nHq";
import { duration } from "../ReportView";

/** A device silent longer than this is offline. */
export const OFFLINE_AFTER_MS = 5 * 60_000;

/** A clinic's overview and when this screen received it (its waits go on growing). */
export type SeenOverview = ClinicOverview & { receivedAt: number };

/** The longest current wait now, in seconds: the cloud's figure plus the time since. */
export function longestWaitNow(row: SeenOverview, now: number): number {
  if (row.waiting === 0) return 0;
  return row.longest_wait_seconds + Math.max(0, Math.floor((now - row.receivedAt) / 1000));
}

/** A wait or a silence in words, `45 dtk`, `23 mnt`, `1 j 05 mnt`, `3 hari`. */
export function elapsed(seconds: number, t: (k: Key) => string, lang: "id" | "en"): string {
  if (seconds >= 48 * 3600) return fill(t("hqDaysShort"), { n: Math.floor(seconds / 86400) });
  return duration(seconds, lang);
}

/** Minutes of the longest wait, as the overview shows them: `23 mnt`; `—` when nobody waits. */
export function waitMinutes(seconds: number, waiting: number, lang: "id" | "en"): string {
  return waiting === 0 ? "—" : `${Math.floor(seconds / 60)} ${lang === "id" ? "mnt" : "min"}`;
}

export interface Freshness {
  offline: boolean;
  /** "terakhir terdengar 10:42, offline 23 mnt" */
  words: string;
}

/** How fresh a device is at `now`, its times in the clinic's zone. */
export function freshness(device: DeviceSeen, timeZone: string, now: number, t: (k: Key) => string, lang: "id" | "en"): Freshness {
  const seen = device.last_seen_ms;
  if (seen === null || seen === undefined) return { offline: true, words: t("hqNeverSeen") };
  const when = dayIn(timeZone, seen) === dayIn(timeZone, now) ? clockTime(seen, timeZone, lang) : dateTime(seen, timeZone, lang);
  const heard = fill(t("hqLastHeard"), { time: when });
  const silent = now - seen;
  if (silent <= OFFLINE_AFTER_MS) return { offline: false, words: `${heard} · ${t("hqOnline")}` };
  return { offline: true, words: `${heard}, ${fill(t("hqOfflineFor"), { wait: elapsed(Math.floor(silent / 1000), t, lang) })}` };
}

/** A device's freshness: a dot and the words, offline in the warning colour too. */
export function DeviceLine({ device, timeZone, now, t, lang }: { device: DeviceSeen; timeZone: string; now: number; t: (k: Key) => string; lang: "id" | "en" }) {
  const f = freshness(device, timeZone, now, t, lang);
  return (
    <li className={`device ${f.offline ? "offline" : "online"}`} data-testid={`device-${device.id}`} data-offline={f.offline}>
      <span className="device-dot" aria-hidden="true" />
      <strong>{device.name}</strong> <span className="device-words">{f.words}</span>
    </li>
  );
}

/** How many of `devices` are offline at `now`. */
export function offlineCount(devices: DeviceSeen[], now: number): number {
  return devices.filter((d) => d.last_seen_ms === null || d.last_seen_ms === undefined || now - d.last_seen_ms > OFFLINE_AFTER_MS).length;
}

/** One figure, large, with its name. */
export function Stat({ label, value, note, tone, testId }: { label: string; value: string | number; note?: string; tone?: "warn" | "ok"; testId?: string }) {
  return (
    <div className={`stat${tone ? ` ${tone}` : ""}`} data-testid={testId}>
      <span className="stat-label">{label}</span>
      <strong className="stat-value">{value}</strong>
      {note && <span className="stat-note">{note}</span>}
    </div>
  );
}

/** Whether the live stream is connected, in a colour and in words. */
export function LiveBadge({ live, t }: { live: boolean; t: (k: Key) => string }) {
  return (
    <span className={`live-badge ${live ? "on" : "off"}`} role="status" data-testid="hq-live" data-live={live}>
      <span className="live-dot" aria-hidden="true" />
      {live ? t("hqLive") : t("hqNotLive")}
    </span>
  );
}

/** The time now, again every `everyMs`. */
export function useNow(everyMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(id);
  }, [everyMs]);
  return now;
}

/** A clinic's names as its nodes set them up: services (`Poli Umum`), their steps and
 * counters (`Loket 1`). Empty until the cloud has said (or when it cannot): the codes
 * and ids stand alone then. */
export interface ClinicNames {
  services: Record<string, string>;
  steps: Record<string, string>;
  counters: Record<string, string>;
}

export function useClinicNames(clinic: string | undefined, lang: "id" | "en"): ClinicNames {
  const [names, setNames] = useState<ClinicNames>({ services: {}, steps: {}, counters: {} });
  useEffect(() => {
    setNames({ services: {}, steps: {}, counters: {} });
    if (!clinic) return;
    let live = true;
    hqApi.configuration(clinic).then(
      (c) => {
        if (!live) return;
        const word = (x: { name_id: string; name_en: string }) => (lang === "id" ? x.name_id : x.name_en);
        setNames({
          services: Object.fromEntries(c.services.map((s) => [s.code, word(s)])),
          steps: Object.fromEntries(c.services.flatMap((s) => (s.steps ?? []).map((x) => [`${s.code}/${x.id}`, word(x)]))),
          counters: Object.fromEntries(c.counters.map((x) => [x.id, x.name])),
        });
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [clinic, lang]);
  return names;
}
