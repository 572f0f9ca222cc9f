// The node's live stream (server-sent events), reconnecting by itself.
import { useEffect, useRef, useState } from "react";
import type { LiveMessage } from "../api/types";

export function useLive(token: string | null, onMessage: (m: LiveMessage | { type: "resync" }) => void): boolean {
  const handler = useRef(onMessage);
  handler.current = onMessage;
  const [connected, setConnected] = useState(false);
  useEffect(() => {
    if (!token) return;
    let source: EventSource | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let closed = false;
    const open = () => {
      source = new EventSource(`/api/v1/events?access_token=${encodeURIComponent(token)}`);
      source.addEventListener("hello", () => {
        setConnected(true);
        handler.current({ type: "resync" });
      });
      for (const name of ["ticket", "call", "config"]) {
        source.addEventListener(name, (e) => handler.current(JSON.parse((e as MessageEvent).data)));
      }
      source.addEventListener("resync", () => handler.current({ type: "resync" }));
      source.onerror = () => {
        setConnected(false);
        source?.close();
        if (!closed) retry = setTimeout(open, 2000);
      };
    };
    open();
    return () => {
      closed = true;
      clearTimeout(retry);
      source?.close();
    };
  }, [token]);
  return connected;
}

/** Re-runs `load` now, on every live message (debounced) and every `everyMs`. */
export function usePolling(load: () => void, everyMs: number) {
  const fn = useRef(load);
  fn.current = load;
  useEffect(() => {
    fn.current();
    const id = setInterval(() => fn.current(), everyMs);
    return () => clearInterval(id);
  }, [everyMs]);
}
