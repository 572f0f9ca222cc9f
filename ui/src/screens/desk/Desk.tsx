// The front desk (and the clinicians' rooms): the staff login, then the board.
import { useCallback, useState } from "react";
import { api, staffToken } from "../../api/client";
import type { LoginResponse } from "../../api/types";
import { useLang } from "../../lib/i18n";
import { Login, useIdleLogoff } from "../common";
import { DeskBoard } from "./DeskBoard";

/** Logged off a little before the node's own 15-minute idle limit. */
const IDLE_LOGOFF_MS = 14 * 60_000;

export function Desk() {
  const { t, toggle, lang } = useLang();
  const [token, setToken] = useState<string | null>(() => staffToken.get());
  const [me, setMe] = useState<string>("");
  const [notice, setNotice] = useState<string | null>(null);
  const logoff = useCallback(
    (why?: string) => {
      if (token) api("POST", "/api/v1/auth/logout", { token }).catch(() => {});
      staffToken.clear();
      setToken(null);
      setNotice(why ?? null);
    },
    [token],
  );
  useIdleLogoff(!!token, IDLE_LOGOFF_MS, () => logoff(t("sessionEnded")));
  if (!token) {
    return (
      <Login
        t={t}
        toggle={toggle}
        notice={notice}
        onLogin={(s: LoginResponse) => {
          setToken(s.token);
          setMe(s.me.kind === "staff" ? s.me.username : "");
        }}
      />
    );
  }
  return <DeskBoard token={token} me={me} t={t} lang={lang} toggle={toggle} onLogout={() => logoff()} onExpired={() => logoff(t("sessionRefused"))} />;
}
