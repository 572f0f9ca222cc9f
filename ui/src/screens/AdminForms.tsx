// The admin's forms: a new staff account, a new service, a new or changed counter, the
// clinic's name, time zone and ticket text, and a button that asks before it acts. A
// form whose saving fails keeps what was typed and says why; it clears only once saved.
import { useState, type ReactNode } from "react";
import type { Clinic, ClinicSettings, Counter, CounterSettings, NewStaff as NewStaffBody, Service, ServiceView, VisitStep } from "../api/types";
import type { Key, Lang } from "../lib/i18n";
import { errorText, serviceColor } from "./common";

type T = (k: Key) => string;

/** Runs `work`; its error in the screen's language (or null once it succeeded), shown
 * as `shown`; `clear` takes the error away. */
export function useSubmit(t: T) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (work: () => Promise<unknown>): Promise<boolean> => {
    setBusy(true);
    setError(null);
    try {
      await work();
      return true;
    } catch (e) {
      setError(errorText(e, t));
      return false;
    } finally {
      setBusy(false);
    }
  };
  const shown = error && (
    <p className="form-error" role="alert">
      {error}
    </p>
  );
  return { submit, busy, shown, clear: () => setError(null) };
}

/** A new staff account; its fields stay when the node refuses it. */
export function NewStaff({ t, onCreate }: { t: T; onCreate: (body: NewStaffBody) => Promise<unknown> }) {
  const empty: NewStaffBody = { username: "", display_name: "", role: "desk", password: "" };
  const [form, setForm] = useState<NewStaffBody>(empty);
  const { submit, busy, shown } = useSubmit(t);
  return (
    <form
      className="form"
      data-testid="new-staff"
      onSubmit={async (e) => {
        e.preventDefault();
        if (await submit(() => onCreate(form))) setForm({ ...empty, role: form.role });
      }}
    >
      <h3>{t("staffAdd")}</h3>
      <div className="row">
        <input aria-label={t("username")} placeholder={t("username")} value={form.username} onChange={(e) => setForm({ ...form, username: e.target.value })} required />
        <input aria-label={t("name")} placeholder={t("name")} value={form.display_name} onChange={(e) => setForm({ ...form, display_name: e.target.value })} required />
      </div>
      <div className="row">
        <select aria-label={t("role")} value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as NewStaffBody["role"] })}>
          <option value="desk">{t("role_desk")}</option>
          <option value="clinician">{t("role_clinician")}</option>
          <option value="admin">{t("role_admin")}</option>
        </select>
        <input
          aria-label={t("password")}
          placeholder={t("password")}
          type="password"
          autoComplete="new-password"
          value={form.password}
          aria-describedby="password-hint"
          onChange={(e) => setForm({ ...form, password: e.target.value })}
          required
        />
        <button className="primary" type="submit" disabled={busy}>
          {t("add")}
        </button>
      </div>
      <p id="password-hint" className="muted small-text">
        {t("passwordHint")}
      </p>
      {shown}
    </form>
  );
}

/** A poli's visit: registration at a loket, then its room (named in both languages). */
export function poliSteps(roomId: string, roomEn: string): VisitStep[] {
  return [
    { id: "registration", name_id: "Pendaftaran", name_en: "Registration" },
    { id: "room", name_id: roomId, name_en: roomEn },
  ];
}

/** A new service: its code (the label prefix), its names, and whether a visit goes
 * registration → room (a poli) or is one step (laboratory, pharmacy). */
export function NewService({ t, onCreate }: { t: T; onCreate: (body: Service) => Promise<unknown> }) {
  const empty: Service = { code: "", name_id: "", name_en: "", active: true };
  const [form, setForm] = useState<Service>(empty);
  const [withRoom, setWithRoom] = useState(true);
  const [roomId, setRoomId] = useState("");
  const [roomEn, setRoomEn] = useState("");
  const { submit, busy, shown } = useSubmit(t);
  return (
    <form
      className="form"
      data-testid="new-service"
      onSubmit={async (e) => {
        e.preventDefault();
        const steps = withRoom ? poliSteps(roomId.trim() || `Ruang ${form.name_id.trim()}`, roomEn.trim() || `${form.name_en.trim()} room`) : [];
        if (await submit(() => onCreate({ ...form, code: form.code.trim().toUpperCase(), steps }))) {
          setForm(empty);
          setRoomId("");
          setRoomEn("");
        }
      }}
    >
      <h3>{t("serviceAdd")}</h3>
      <div className="row">
        <input
          className="service-code-input"
          aria-label={t("serviceCode")}
          placeholder={t("serviceCode")}
          value={form.code}
          maxLength={3}
          onChange={(e) => setForm({ ...form, code: e.target.value.toUpperCase() })}
          aria-describedby="service-code-hint"
          required
        />
        <input aria-label={t("nameId")} placeholder={t("nameId")} value={form.name_id} onChange={(e) => setForm({ ...form, name_id: e.target.value })} required />
        <input aria-label={t("nameEn")} placeholder={t("nameEn")} value={form.name_en} onChange={(e) => setForm({ ...form, name_en: e.target.value })} required />
        <button className="primary" type="submit" disabled={busy}>
          {t("add")}
        </button>
      </div>
      <p id="service-code-hint" className="muted small-text">
        {t("serviceCodeHint")}
      </p>
      <label className="check">
        <input type="checkbox" checked={withRoom} onChange={(e) => setWithRoom(e.target.checked)} data-testid="service-with-room" />
        {t("stepsPoli")}
      </label>
      {withRoom && (
        <div className="row">
          <input aria-label={t("roomNameId")} placeholder={`${t("roomNameId")}: Ruang ${form.name_id}`} value={roomId} onChange={(e) => setRoomId(e.target.value)} />
          <input aria-label={t("roomNameEn")} placeholder={`${t("roomNameEn")}: ${form.name_en} room`} value={roomEn} onChange={(e) => setRoomEn(e.target.value)} />
        </div>
      )}
      {shown}
    </form>
  );
}

/** The services a counter serves, as checkboxes. */
function ServicePicker({ services, chosen, onChange, t }: { services: ServiceView[]; chosen: string[]; onChange: (next: string[]) => void; t: T }) {
  return (
    <fieldset className="chips">
      <legend className="muted small-text">{t("counterServes")}</legend>
      {services.map((s) => (
        <label key={s.code} className="chip" style={{ "--accent": serviceColor(s.code) } as React.CSSProperties} title={s.name_id}>
          <input
            type="checkbox"
            checked={chosen.includes(s.code)}
            onChange={(e) => onChange(e.target.checked ? [...chosen, s.code] : chosen.filter((x) => x !== s.code))}
          />
          {s.code}
        </label>
      ))}
    </fieldset>
  );
}

/** The steps of the chosen services a counter serves, as checkboxes (none: every step). */
function StepPicker({ services, chosen, steps, onChange, t, lang }: { services: ServiceView[]; chosen: string[]; steps: string[]; onChange: (next: string[]) => void; t: T; lang: Lang }) {
  // Steps shared by services are one choice ("registration" at every poli).
  const names = new Map<string, string[]>();
  for (const s of services.filter((x) => chosen.includes(x.code))) {
    for (const step of s.steps ?? []) {
      const name = lang === "id" ? step.name_id : step.name_en;
      const known = names.get(step.id) ?? [];
      if (!known.includes(name)) names.set(step.id, [...known, name]);
    }
  }
  if (names.size === 0) return null;
  return (
    <fieldset className="chips">
      <legend className="muted small-text">{t("counterSteps")}</legend>
      {[...names].map(([id, label]) => (
        <label key={id} className="chip" data-testid={`step-${id}`}>
          <input type="checkbox" checked={steps.includes(id)} onChange={(e) => onChange(e.target.checked ? [...steps, id] : steps.filter((x) => x !== id))} />
          {label.join(" / ")}
        </label>
      ))}
    </fieldset>
  );
}

/** A counter's name, services and steps: a new one (no `counter`) or a change to one. */
export function CounterForm(props: { t: T; lang?: Lang; services: ServiceView[]; counter?: Counter; onSave: (body: CounterSettings) => Promise<unknown>; onCancel?: () => void }) {
  const { t, services, counter } = props;
  const [name, setName] = useState(counter?.name ?? "");
  const [chosen, setChosen] = useState<string[]>(counter?.services ?? []);
  const [steps, setSteps] = useState<string[]>(counter?.steps ?? []);
  const { submit, busy, shown } = useSubmit(t);
  return (
    <form
      className="form counter-form"
      data-testid={counter ? `counter-form-${counter.id}` : "new-counter"}
      onSubmit={async (e) => {
        e.preventDefault();
        // Only the steps some chosen service still has.
        const known = services.filter((x) => chosen.includes(x.code)).flatMap((x) => (x.steps ?? []).map((step) => step.id));
        const served = steps.filter((x) => known.includes(x));
        if ((await submit(() => props.onSave({ name, services: chosen, steps: served }))) && !counter) {
          setName("");
          setChosen([]);
          setSteps([]);
        }
      }}
    >
      {!counter && <h3>{t("counterAdd")}</h3>}
      <input aria-label={t("counterName")} placeholder={t("counterName")} value={name} onChange={(e) => setName(e.target.value)} required />
      <ServicePicker services={services} chosen={chosen} onChange={setChosen} t={t} />
      <StepPicker services={services} chosen={chosen} steps={steps} onChange={setSteps} t={t} lang={props.lang ?? "id"} />
      <div className="row">
        <button className="primary" type="submit" disabled={busy || chosen.length === 0}>
          {counter ? t("save") : t("add")}
        </button>
        {props.onCancel && (
          <button type="button" className="secondary" onClick={props.onCancel}>
            {t("dismiss")}
          </button>
        )}
      </div>
      {shown}
    </form>
  );
}

/** Every IANA time zone this browser knows, the clinic's own among them. */
export function timeZones(current: string): string[] {
  const known = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  const zones = known.length ? [...known] : ["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura", "UTC"];
  if (!zones.includes(current)) zones.unshift(current);
  return zones;
}

/** The clinic's name, time zone and ticket text. */
export function ClinicForm({ clinic, t, onSave }: { clinic: Clinic; t: T; onSave: (b: ClinicSettings) => Promise<unknown> }) {
  const [name, setName] = useState(clinic.name);
  const [zone, setZone] = useState(clinic.time_zone);
  const [msgId, setMsgId] = useState(clinic.ticket_message_id ?? "");
  const [msgEn, setMsgEn] = useState(clinic.ticket_message_en ?? "");
  const [language, setLanguage] = useState<Lang>(clinic.language ?? "id");
  const [newLabel, setNewLabel] = useState(clinic.new_label_on_transfer ?? false);
  const [perStep, setPerStep] = useState(clinic.new_label_per_step ?? false);
  const { submit, busy, shown } = useSubmit(t);
  return (
    <form
      className="form"
      data-testid="clinic-form"
      onSubmit={(e) => {
        e.preventDefault();
        void submit(() => onSave({ name, time_zone: zone, ticket_message_id: msgId, ticket_message_en: msgEn, language, new_label_on_transfer: newLabel, new_label_per_step: perStep }));
      }}
    >
      <label htmlFor="clinic-name">{t("clinicName")}</label>
      <input id="clinic-name" value={name} maxLength={100} onChange={(e) => setName(e.target.value)} required />
      <label htmlFor="clinic-zone">{t("timeZone")}</label>
      <select id="clinic-zone" value={zone} onChange={(e) => setZone(e.target.value)}>
        {timeZones(clinic.time_zone).map((z) => (
          <option key={z} value={z}>
            {z.replace(/_/g, " ")}
          </option>
        ))}
      </select>
      <label htmlFor="msg-id">
        {t("ticketText")} · Bahasa Indonesia
      </label>
      <input id="msg-id" value={msgId} maxLength={120} onChange={(e) => setMsgId(e.target.value)} />
      <label htmlFor="msg-en">
        {t("ticketText")} · English
      </label>
      <input id="msg-en" value={msgEn} maxLength={120} onChange={(e) => setMsgEn(e.target.value)} />
      <label htmlFor="clinic-language">{t("clinicLanguage")}</label>
      <select id="clinic-language" value={language} onChange={(e) => setLanguage(e.target.value as Lang)}>
        <option value="id">Bahasa Indonesia</option>
        <option value="en">English</option>
      </select>
      <label className="check">
        <input type="checkbox" checked={newLabel} onChange={(e) => setNewLabel(e.target.checked)} data-testid="new-label-on-transfer" />
        {t("newLabelOnTransfer")}
      </label>
      <label className="check">
        <input type="checkbox" checked={perStep} onChange={(e) => setPerStep(e.target.checked)} data-testid="new-label-per-step" />
        {t("newLabelPerStep")}
      </label>
      <button className="primary" type="submit" disabled={busy}>
        {t("save")}
      </button>
      {shown}
    </form>
  );
}

/** A button that asks "are you sure?" in place before it acts. */
export function ConfirmButton(props: { label: string; question: string; t: T; onConfirm: () => void; testId?: string; children?: ReactNode }) {
  const [asking, setAsking] = useState(false);
  if (!asking)
    return (
      <button className="link-button" onClick={() => setAsking(true)} data-testid={props.testId}>
        {props.label}
      </button>
    );
  return (
    <span className="confirm" role="group" aria-label={props.question}>
      <span>{props.question}</span>
      <button
        className="danger"
        onClick={() => {
          setAsking(false);
          props.onConfirm();
        }}
        data-testid={props.testId ? `${props.testId}-confirm` : undefined}
      >
        {props.label}
      </button>
      <button className="secondary" onClick={() => setAsking(false)}>
        {props.t("dismiss")}
      </button>
    </span>
  );
}
