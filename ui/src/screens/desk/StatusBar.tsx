// The desk's status bar: sync and the printer, always visible; above it, the alarm of
// a second label authority (LabelAuthority.tsx).
import type { PrinterHealth, SyncStatus } from "../../api/types";
import type { Key } from "../../lib/i18n";
import { LabelConflictBanner } from "../LabelAuthority";

export function StatusBar({ t, sync, printer, live }: { t: (k: Key) => string; sync: SyncStatus | null; printer: PrinterHealth | null; live: boolean }) {
  const online = live && (sync?.online ?? true);
  return (
    <>
    <LabelConflictBanner t={t} labels={sync?.labels} />
    <div className="status-bar" role="status" data-testid="status-bar">
      <span className={online ? "pill ok" : "pill warn"}>● {online ? t("online") : t("syncOffline")}</span>
      {sync && sync.pending_out > 0 && (
        <span className="pill">
          {sync.pending_out} {t("pending")}
        </span>
      )}
      {sync && sync.conflicts > 0 && (
        <span className="pill warn">
          {sync.conflicts} {t("conflicts")}
        </span>
      )}
      {printer?.configured && (
        <span className={printer.fault ? "pill warn" : "pill ok"} data-testid="printer-state">
          {printer.fault ? `${t("printer")}: ${printer.fault}` : t("printerOk")}
          {printer.pending > 0 ? ` (${printer.pending})` : ""}
        </span>
      )}
    </div>
    </>
  );
}
