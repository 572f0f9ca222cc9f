// The cloud's live stream for the head office (server-sent events, GET /hq/v1/events):
// `hello` on connect and `resync` ask for everything again, `overview` carries one
// clinic's new row. Reconnects by itself, with a fresh token, and on every new token.
import { useEffect, useRef, useState } from "react";
import { freshToken, hqEventsUrl, type ClinicOverview } from "../api/hq";

export type HqLiveMessage = { type: "resync" } | { type: "overview"; clinic: ClinicOverview };

/** Whether the stream is connected now; `onMessage` gets every message. */
export function useHqLive(token: string | null, onMessage: (m: HqLiveMessage) => void): boolean {
  const handler = useRef(onMessage);
  handler.current = onMessage;
  const [connected, setConnected] = useState(false);
  useEffect(() => {
    if (!token) return;
    let source: EventSource | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let closed = false;
    const open = (with_: string) => {
      source = new EventSource(hqEventsUrl(with_));
      source.addEventListener("hello", () => {
        setConnected(true);
        handler.current({ type: "resync" });
      });
      source.addEventListener("overview", (e) => {
        try {
          handler.current({ type: "overview", clinic: JSON.parse((e as MessageEvent).data) as ClinicOverview });
        } catch {
          handler.current({ type: "resync" }); // a row this screen cannot read: read them all
        }
      });
      source.addEventListener("resync", () => handler.current({ type: "resync" }));
      source.onerror = () => {
        setConnected(false);
        source?.close();
        if (closed) return;
        // The token may have run out while connected: a fresh one (a new token re-runs
        // this effect, which opens the stream with it).
        retry = setTimeout(() => {
          freshToken().then(
            (t) => {
              if (!closed && t === token) open(t);
            },
            () => {
              if (!closed) retry = setTimeout(() => open(token), 5000);
            },
          );
        }, 2000);
      };
    };
    open(token);
    return () => {
      closed = true;
      clearTimeout(retry);
      source?.close();
      setConnected(false);
    };
  }, [token]);
  return connected;
}
