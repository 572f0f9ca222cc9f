// The chain's clinics that take online bookings, asked for once per page: the booking
// steps list them, "manage my booking" reads a booking's clinic's zone from them.
import { useCallback, useEffect, useState } from "react";
import { listClinics, type Lang, type PublicClinic } from "./api";
import type { T } from "./i18n";
import { errorText } from "./parts";

/** The list, or the refusal in words, and a way to ask again. */
export interface ClinicsState {
  clinics: PublicClinic[] | null;
  error: string | null;
  reload: () => void;
}

export function useClinics(lang: Lang, t: T): ClinicsState {
  const [clinics, setClinics] = useState<PublicClinic[] | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    let live = true;
    setFailure(null);
    listClinics(lang).then(
      (list) => live && setClinics(list),
      (e: unknown) => live && setFailure(e ?? new Error()),
    );
    return () => {
      live = false;
    };
    // Asked again only on "try again": the names do not depend on the language.
  }, [attempt]);
  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  return { clinics, error: failure ? errorText(failure, t) : null, reload };
}
