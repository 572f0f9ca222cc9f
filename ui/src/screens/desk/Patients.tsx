// The desk's patients tab: search (a result opens the record) and registration (a saved
// patient is confirmed and opened).
import { useState } from "react";
import { api } from "../../api/client";
import { errorText } from "../common";
import type { PatientView } from "../../api/types";
import type { Key } from "../../lib/i18n";

export function Patients(props: { token: string; t: (k: Key) => string; fail: (e: unknown) => void }) {
  const { token, t, fail } = props;
  const [q, setQ] = useState("");
  const [found, setFound] = useState<PatientView[]>([]);
  const [form, setForm] = useState({ name: "", nik: "", bpjs_number: "", phone: "", birth_date: "" });
  const [error, setError] = useState<string | null>(null);
  // The record opened from the results, or just saved.
  const [open, setOpen] = useState<PatientView | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  return (
    <main className="desk-main two">
      <section className="card">
        <h2>{t("patients")}</h2>
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            api("GET", "/api/v1/patients", { token, query: { q } }).then(setFound, fail);
          }}
        >
          <input aria-label={t("search")} value={q} onChange={(e) => setQ(e.target.value)} placeholder={`${t("name")} / ${t("nik")} / ${t("bpjs")}`} />
          <button className="primary" type="submit">
            {t("search")}
          </button>
        </form>
        <ul className="plain-list results" data-testid="patient-results">
          {found.map((p) => (
            <li key={p.id}>
              <button className={`result ${open?.id === p.id ? "active" : ""}`} onClick={() => setOpen(p)} aria-expanded={open?.id === p.id}>
                <strong>{p.name ?? "—"}</strong> <span className="muted">{p.nik ?? p.bpjs_number ?? ""}</span>
              </button>
            </li>
          ))}
        </ul>
        {open && (
          <dl className="patient-card" data-testid="patient-card" aria-label={open.name ?? t("patients")}>
            {(
              [
                ["name", open.name],
                ["nik", open.nik],
                ["bpjs", open.bpjs_number],
                ["phone", open.phone],
                ["birthDate", open.birth_date],
              ] as const
            ).map(([label, v]) => (
              <div key={label}>
                <dt>{t(label)}</dt>
                <dd>{v ?? "—"}</dd>
              </div>
            ))}
          </dl>
        )}
      </section>
      <section className="card">
        <h2>{t("register")}</h2>
        <form
          className="form"
          onSubmit={async (e) => {
            e.preventDefault();
            setError(null);
            setSaved(null);
            const body = Object.fromEntries(Object.entries(form).filter(([, v]) => v.trim() !== ""));
            try {
              const patient = await api("POST", "/api/v1/patients", { token, body });
              setForm({ name: "", nik: "", bpjs_number: "", phone: "", birth_date: "" });
              setSaved(`${t("patientSaved")}: ${patient.name ?? patient.nik ?? patient.bpjs_number ?? ""}`);
              setOpen(patient);
            } catch (err) {
              setError(errorText(err, t));
            }
          }}
        >
          {(
            [
              ["name", "name"],
              ["nik", "nik"],
              ["bpjs_number", "bpjs"],
              ["phone", "phone"],
              ["birth_date", "birthDate"],
            ] as const
          ).map(([field, label]) => (
            <span key={field} className="field">
              <label htmlFor={`p-${field}`}>{t(label)}</label>
              <input
                id={`p-${field}`}
                type={field === "birth_date" ? "date" : "text"}
                value={form[field]}
                onChange={(e) => setForm({ ...form, [field]: e.target.value })}
              />
            </span>
          ))}
          {error && (
            <p className="form-error" role="alert">
              {error}
            </p>
          )}
          {saved && (
            <p className="banner banner-ok" role="status" data-testid="patient-saved">
              {saved}
            </p>
          )}
          <button className="primary" type="submit">
            {t("register")}
          </button>
        </form>
      </section>
    </main>
  );
}
