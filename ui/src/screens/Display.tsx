// The waiting-room display: the call in large type with its counter, the last calls,
// waiting counts per service, the clock; every call chimed and spoken, one at a time.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { api, takePairingToken } from "../api/client";
import type { CallView, ServiceView } from "../api/types";
import { rememberTimeZone } from "../lib/clinicTime";
import { useLang, waitText } from "../lib/i18n";
import { useLive, usePolling } from "../lib/live";
import { Announcer, browserSpeaker, callSentence, type Announcement } from "../lib/speech";
import { Clock, serviceColor } from "./common";

export function Display() {
  const [token] = useState(() => takePairingToken());
  const { t, lang, setLang } = useLang("id");
  const [calls, setCalls] = useState<CallView[]>([]);
  const [services, setServices] = useState<ServiceView[]>([]);
  const [queue, setQueue] = useState<Announcement[]>([]);
  const [heard, setHeard] = useState<Announcement[]>([]);
  const [clinic, setClinic] = useState("");
  const audio = useRef<AudioContext | null>(null);
  const [soundOn, setSoundOn] = useState(false);
  const announcer = useMemo(
    () =>
      new Announcer(
        browserSpeaker(["id", "en"], () => audio.current),
        setQueue,
      ),
    [],
  );

  const load = useCallback(() => {
    if (!token) return;
    api("GET", "/api/v1/calls", { token }).then(setCalls, () => {});
    api("GET", "/api/v1/services", { token }).then((s) => setServices(s.filter((x) => x.active)), () => {});
    api("GET", "/api/v1/clinic", { token }).then((c) => {
      setClinic(c.name);
      rememberTimeZone(c.time_zone);
      // The screen's words in the clinic's language; calls are spoken in both.
      setLang(c.language ?? "id");
    }, () => {});
  }, [token, setLang]);
  usePolling(load, 20_000);
  // Where sound needs no click (the desktop app's display window, a browser started to
  // allow it), it is on from the start.
  useEffect(() => {
    if (typeof AudioContext === "undefined") return;
    const ctx = new AudioContext();
    if (ctx.state === "running") {
      audio.current = ctx;
      setSoundOn(true);
    } else void ctx.close();
  }, []);
  const connected = useLive(token, (m) => {
    if (m.type === "call") {
      const a = {
        id: `${m.id}-${Date.now()}`,
        label: m.label,
        counterName: m.counter_name,
        text: callSentence(m.label, m.counter_name, "id"),
      };
      setHeard((h) => [a, ...h].slice(0, 4));
      announcer.add(a);
    }
    load();
  });

  if (!token) {
    return (
      <main className="display center-screen">
        <h1>{t("notPaired")}</h1>
      </main>
    );
  }
  const [current, ...earlier] = calls;
  // Where a patient goes once the call's step is over: "A-012 → Laboratorium".
  const nextOf = (c: CallView) => (lang === "id" ? c.next_id : c.next_en) ?? null;
  return (
    <main className="display" data-testid="display">
      <header className="display-bar">
        <div className="brand big">
          <span className="brand-mark" aria-hidden="true">+</span>
          <span>{clinic || "Medicloud"}</span>
        </div>
        {!connected && <span className="pill warn">{t("offline")}</span>}
        <Clock lang={lang} big />
      </header>
      <section className="now-calling" aria-live="assertive">
        {current ? (
          <>
            <p className="eyebrow">{t("nowCalling")}</p>
            <p className="call-label" data-testid="current-call" style={{ color: serviceColor(current.service) }}>
              {current.label}
            </p>
            <p className="call-counter">
              {t("pleaseGoTo")} <strong data-testid="current-go-to">{nextOf(current) ?? current.counter_name}</strong>
            </p>
          </>
        ) : (
          <p className="call-idle">{t("queueEmpty")}</p>
        )}
      </section>
      <aside className="display-side">
        {earlier.length > 0 && <h2>{t("lastCalls")}</h2>}
        <ol className="last-calls">
          {earlier.slice(0, 5).map((c) => (
            <li key={`${c.id}-${c.called_at}`}>
              <span className="label" style={{ color: serviceColor(c.service) }}>
                {c.label}
              </span>
              <span>
                {nextOf(c) ? (
                  <>
                    <span className="muted">{c.counter_name}</span> → <strong>{nextOf(c)}</strong>
                  </>
                ) : (
                  c.counter_name
                )}
              </span>
            </li>
          ))}
        </ol>
        <h2>{t("waitingPerService")}</h2>
        <ul className="waiting-list">
          {services.map((s) => (
            <li key={s.code}>
              <span className="dot" style={{ background: serviceColor(s.code) }} aria-hidden="true" />
              <span className="name">{lang === "id" ? s.name_id : s.name_en}</span>
              <span className="count">{s.waiting}</span>
              <span className="wait">{waitText(s.estimated_wait_seconds, t)}</span>
            </li>
          ))}
        </ul>
      </aside>
      <footer className="display-foot">
        {!soundOn && (
          // Browsers play sound only after a click on the page, again after every load.
          <div className="sound-notice" role="status" data-testid="sound-notice">
            <p>
              <strong>{t("soundOff")}</strong> {t("soundOffHow")}
            </p>
            <button
              className="primary"
              onClick={() => {
                audio.current = new AudioContext();
                setSoundOn(true);
              }}
              data-testid="sound-on"
            >
              🔊 {t("audioOn")}
            </button>
          </div>
        )}
        <ol className="announcements" data-testid="announcements" aria-label="announcements">
          {heard.map((a) => (
            <li
              key={a.id}
              data-state={queue[0]?.id === a.id ? "speaking" : queue.some((q) => q.id === a.id) ? "queued" : "spoken"}
            >
              {a.text}
            </li>
          ))}
        </ol>
      </footer>
    </main>
  );
}
