// Who hands out the clinic's queue numbers (GET /api/v1/sync/status, `labels`): the
// banner every desk and the admin screen show when a second authority is found, and
// the admin's card saying who the authority is and how it was chosen.
import type { SyncStatus } from "../api/types";
import type { Key } from "../lib/i18n";

type Labels = SyncStatus["labels"];

/** A short, readable form of a device id (its first eight characters). */
function short(device: string): string {
  return device.slice(0, 8).toUpperCase();
}

/** Shown while two devices claim to hand out numbers; nothing otherwise. */
export function LabelConflictBanner({ t, labels, fix }: { t: (k: Key) => string; labels: Labels | undefined; fix?: boolean }) {
  if (!labels?.conflict) return null;
  return (
    <div className="banner banner-error" role="alert" data-testid="label-conflict">
      <p>{t("labelConflict")}</p>
      <p>
        {t("labelDevices")}: {labels.claims.map(short).join(", ")}
      </p>
      {fix && <p>{t("labelConflictFix")}</p>}
    </div>
  );
}

/** The admin's view of the label authority. */
export function LabelAuthorityCard({ t, labels }: { t: (k: Key) => string; labels: Labels | undefined }) {
  if (!labels) return null;
  const who = labels.this_node ? t("labelThisNode") : (labels.url ?? (labels.device ? short(labels.device) : ""));
  return (
    <section className="card" data-testid="label-authority">
      <h2>{t("labelAuthority")}</h2>
      <p>
        {t(`labelBasis_${labels.basis}` as Key)}
        {labels.basis === "undecided" ? `: ${labels.waiting_for.join(", ")}` : who ? ` · ${who}` : ""}
      </p>
      {labels.device && !labels.this_node && <p className="muted">{short(labels.device)}</p>}
      {labels.marked_only && <p className="pill warn">{t("labelMarkedOnly")}</p>}
    </section>
  );
}
