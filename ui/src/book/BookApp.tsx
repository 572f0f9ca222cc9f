// The booking page (`/book`, served by the chain's cloud): the header with the language
// switch, and either the booking steps or "manage my booking" (`/book/manage`). Both stay
// mounted once opened, so going to one and back keeps the other where it was.
import { useEffect, useRef, useState } from "react";
import { Flow } from "./Flow";
import { useBookLang } from "./i18n";
import { Manage } from "./Manage";
import { useClinics } from "./useClinics";

/** The path of "manage my booking". */
export const MANAGE_PATH = "/book/manage";

const isManage = (path: string) => path.replace(/\/+$/, "") === MANAGE_PATH;

export function BookApp() {
  const { lang, t, toggle } = useBookLang();
  const clinics = useClinics(lang, t);
  const [path, setPath] = useState(() => location.pathname);
  const [manageCode, setManageCode] = useState<{ code: string; n: number }>({ code: "", n: 0 });
  const [restart, setRestart] = useState(0);
  const manage = isManage(path);
  const [manageOpened, setManageOpened] = useState(manage);

  useEffect(() => {
    const onPop = () => setPath(location.pathname);
    window.addEventListener("popstate", onPop);
    return () => window.removeEventListener("popstate", onPop);
  }, []);

  // The page can be used once its first step is on screen: the walk's measure of it.
  const marked = useRef(false);
  useEffect(() => {
    if (marked.current || (!clinics.clinics && !manage)) return;
    marked.current = true;
    performance.mark?.("book-interactive");
  }, [clinics.clinics, manage]);

  // A page switched to starts, for the keyboard, at its title.
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    document.querySelector<HTMLElement>(`[data-page="${manage ? "manage" : "book"}"] h1`)?.focus();
  }, [manage]);

  const open = (to: string, state: unknown) => {
    history.pushState(state, "", to);
    setPath(to);
  };
  const toManage = (code?: string) => {
    if (code) setManageCode((c) => ({ code, n: c.n + 1 }));
    setManageOpened(true);
    open(MANAGE_PATH, null);
  };
  const toBooking = () => {
    setRestart((n) => n + 1);
    open("/book", { book: "clinic" });
  };

  return (
    <div className="book-page">
      <header className="book-bar">
        <a
          className="book-brand"
          href="/book"
          onClick={(e) => {
            e.preventDefault();
            toBooking();
          }}
        >
          <span className="book-brand-mark" aria-hidden="true">
            +
          </span>
          Medicloud
        </a>
        <button type="button" className="book-lang" lang={lang === "id" ? "en" : "id"} onClick={toggle} data-testid="lang">
          {t("language")}
        </button>
      </header>
      <main id="book-main" className="book-main">
        <div data-page="book" hidden={manage}>
          <Flow lang={lang} t={t} clinics={clinics} onManage={toManage} restart={restart} />
        </div>
        {manageOpened && (
          <div data-page="manage" hidden={!manage}>
            <Manage key={manageCode.n} lang={lang} t={t} clinics={clinics} initialCode={manageCode.code} onNewBooking={toBooking} />
          </div>
        )}
      </main>
    </div>
  );
}
