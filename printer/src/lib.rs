//! Medicloud ticket printing: layout, ESC/POS, drivers and the virtual printer.
