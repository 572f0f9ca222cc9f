// The booking page's own entry (book.html): React and the page's own parts only, none
// of the other screens', so a patient's phone loads little.
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import "./book.css";
import { BookApp } from "./BookApp";

const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <BookApp />
    </StrictMode>,
  );
}
