// Confirming a cancellation at the desk: what is cancelled, why (one line, required),
// and a clear way back. Used for tickets and appointments alike.
import { useEffect, useRef, useState } from "react";
import type { Key } from "../../lib/i18n";

export function CancelDialog(props: {
  t: (k: Key) => string;
  /** What is cancelled, e.g. "A-012" or "09:30 · Siti Rahayu". */
  what: string;
  title: Key;
  /** Resolves when cancelled; rejects with the text to show in the dialog. */
  onConfirm: (reason: string) => Promise<void>;
  onClose: () => void;
}) {
  const { t } = props;
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  return (
    <div className="dialog-backdrop" onKeyDown={(e) => e.key === "Escape" && props.onClose()}>
      <form
        className="card dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="cancel-title"
        data-testid="cancel-dialog"
        onSubmit={async (e) => {
          e.preventDefault();
          if (!reason.trim()) {
            setError(t("reasonRequired"));
            return;
          }
          setBusy(true);
          setError(null);
          try {
            await props.onConfirm(reason.trim());
          } catch (err) {
            setError(String(err instanceof Error ? err.message : err));
          } finally {
            setBusy(false);
          }
        }}
      >
        <h2 id="cancel-title">
          {t(props.title)} <strong>{props.what}</strong>?
        </h2>
        <label htmlFor="cancel-reason">{t("cancelReason")}</label>
        <input id="cancel-reason" ref={input} value={reason} maxLength={200} onChange={(e) => {
            setReason(e.target.value);
            setError(null);
          }} placeholder={t("cancelReasonHint")} />
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <div className="row spread">
          <button type="button" className="secondary" onClick={props.onClose}>
            {t("back")}
          </button>
          <button type="submit" className="danger" disabled={busy} data-testid="cancel-confirm">
            {t("confirmCancel")}
          </button>
        </div>
      </form>
    </div>
  );
}
