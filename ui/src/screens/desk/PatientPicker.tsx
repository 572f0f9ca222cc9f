// The booking form's patient: found by name, NIK, BPJS or phone, or registered right
// here when they are new. The chosen patient is shown with a way to change them.
import { useState } from "react";
import { api } from "../../api/client";
import type { PatientView } from "../../api/types";
import type { Key } from "../../lib/i18n";
import { errorText } from "../common";

export interface Chosen {
  id: string;
  name: string;
}

export function PatientPicker(props: { token: string; t: (k: Key) => string; chosen: Chosen | null; onChoose: (p: Chosen | null) => void }) {
  const { token, t, chosen, onChoose } = props;
  const [mode, setMode] = useState<"search" | "register">("search");
  const [q, setQ] = useState("");
  const [found, setFound] = useState<PatientView[] | null>(null);
  const [form, setForm] = useState({ name: "", nik: "", phone: "" });
  const [error, setError] = useState<string | null>(null);

  if (chosen) {
    return (
      <div className="chosen-patient" data-testid="chosen-patient">
        <span>
          {t("patient")}: <strong>{chosen.name}</strong>
        </span>
        <button type="button" className="link-button" onClick={() => onChoose(null)}>
          {t("change")}
        </button>
      </div>
    );
  }
  const search = async () => {
    setError(null);
    try {
      setFound(await api("GET", "/api/v1/patients", { token, query: { q } }));
    } catch (err) {
      setError(errorText(err, t));
    }
  };
  const register = async () => {
    setError(null);
    const body = Object.fromEntries(Object.entries(form).filter(([, v]) => v.trim() !== ""));
    if (!form.name.trim()) {
      setError(`${t("err_field")}: ${t("name")}.`);
      return;
    }
    try {
      const p = await api("POST", "/api/v1/patients", { token, body });
      onChoose({ id: p.id, name: p.name ?? form.name });
      setForm({ name: "", nik: "", phone: "" });
    } catch (err) {
      setError(errorText(err, t));
    }
  };
  return (
    <fieldset className="patient-picker">
      <legend>{t("patient")}</legend>
      <div className="tabs small" role="group">
        <button type="button" className={mode === "search" ? "tab active" : "tab"} aria-pressed={mode === "search"} onClick={() => setMode("search")}>
          {t("findPatient")}
        </button>
        <button type="button" className={mode === "register" ? "tab active" : "tab"} aria-pressed={mode === "register"} onClick={() => setMode("register")} data-testid="new-patient">
          {t("newPatient")}
        </button>
      </div>
      {mode === "search" ? (
        <>
          <div className="row">
            <input
              aria-label={t("findPatient")}
              value={q}
              onChange={(e) => setQ(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === "Enter") {
                  e.preventDefault();
                  void search();
                }
              }}
              placeholder={`${t("name")} / ${t("nik")} / ${t("bpjs")}`}
              data-testid="patient-q"
            />
            <button type="button" onClick={() => void search()} data-testid="patient-search">
              {t("search")}
            </button>
          </div>
          {found && found.length === 0 && <p className="muted">{t("noPatientFound")}</p>}
          {found && found.length > 0 && (
            <ul className="plain-list picks">
              {found.map((p) => (
                <li key={p.id}>
                  <button type="button" onClick={() => onChoose({ id: p.id, name: p.name ?? "—" })}>
                    <strong>{p.name ?? "—"}</strong> <span className="muted">{p.nik ?? p.phone ?? ""}</span>
                  </button>
                </li>
              ))}
            </ul>
          )}
        </>
      ) : (
        <>
          {(
            [
              ["name", "name"],
              ["nik", "nik"],
              ["phone", "phone"],
            ] as const
          ).map(([field, label]) => (
            <span key={field} className="field">
              <label htmlFor={`bp-${field}`}>{t(label)}</label>
              <input id={`bp-${field}`} value={form[field]} onChange={(e) => setForm({ ...form, [field]: e.target.value })} />
            </span>
          ))}
          <button type="button" onClick={() => void register()} data-testid="register-patient">
            {t("registerAndChoose")}
          </button>
        </>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </fieldset>
  );
}
