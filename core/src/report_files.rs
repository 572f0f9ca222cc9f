//! A report's figures as files to download: CSV and XLSX, with the same tables and the
//! same column names as the JSON of [`Summary`].
//!
//! The CSV is one file of sections, each a header row and its rows, separated by an
//! empty line: per service (the whole clinic last, its `service` empty), per step, by
//! hour, the weekday × hour heat map, per counter, per staff member, appointments and
//! the estimate's error. The XLSX has one sheet per section, named as the JSON field.
//!
//! One writer for the node's `/api/v1/reports/summary.{csv,xlsx}` and the cloud's
//! `/hq/v1/reports/summary.{csv,xlsx}` (the `report-files` feature: the crates that
//! serve files turn it on).

use crate::report::{ServiceFigures, Summary};

/// The media type of [`csv`]'s file.
pub const CSV_CONTENT_TYPE: &str = "text/csv; charset=utf-8";

/// The media type of [`xlsx`]'s file.
pub const XLSX_CONTENT_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A cell of a table.
enum Cell {
    Text(String),
    Number(f64),
    Empty,
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_owned())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

impl From<u32> for Cell {
    fn from(n: u32) -> Self {
        Cell::Number(f64::from(n))
    }
}

impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(v: Option<T>) -> Self {
        v.map_or(Cell::Empty, Into::into)
    }
}

impl From<i64> for Cell {
    fn from(n: i64) -> Self {
        Cell::Number(n as f64)
    }
}

impl From<f64> for Cell {
    fn from(n: f64) -> Self {
        Cell::Number(n)
    }
}

impl From<u16> for Cell {
    fn from(n: u16) -> Self {
        Cell::Number(f64::from(n))
    }
}

/// One section: its name (the JSON field), header and rows.
struct Table {
    name: &'static str,
    header: Vec<&'static str>,
    rows: Vec<Vec<Cell>>,
}

/// The columns of a service's row, as [`ServiceFigures`] names them.
const SERVICE_COLUMNS: [&str; 16] = [
    "service",
    "name_id",
    "name_en",
    "target_wait_minutes",
    "issued",
    "served",
    "no_show",
    "cancelled",
    "transferred",
    "called",
    "wait_p50_s",
    "wait_p90_s",
    "wait_max_s",
    "service_p50_s",
    "service_p90_s",
    "within_target_ratio",
];

fn service_row(f: &ServiceFigures) -> Vec<Cell> {
    vec![
        f.service.as_ref().map(|c| c.to_string()).into(),
        f.name_id.as_str().into(),
        f.name_en.as_str().into(),
        f.target_wait_minutes.into(),
        f.issued.into(),
        f.served.into(),
        f.no_show.into(),
        f.cancelled.into(),
        f.transferred.into(),
        f.called.into(),
        f.wait_p50_s.into(),
        f.wait_p90_s.into(),
        f.wait_max_s.into(),
        f.service_p50_s.into(),
        f.service_p90_s.into(),
        f.within_target_ratio.into(),
    ]
}

const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const HOURS: [&str; 24] = [
    "h00", "h01", "h02", "h03", "h04", "h05", "h06", "h07", "h08", "h09", "h10", "h11", "h12",
    "h13", "h14", "h15", "h16", "h17", "h18", "h19", "h20", "h21", "h22", "h23",
];

fn tables(s: &Summary) -> Vec<Table> {
    let mut per_service: Vec<Vec<Cell>> = s.per_service.iter().map(service_row).collect();
    per_service.push(service_row(&s.whole_clinic));
    let mut heat_header = vec!["weekday"];
    heat_header.extend(HOURS);
    let a = &s.appointments;
    vec![
        Table {
            name: "per_service",
            header: SERVICE_COLUMNS.to_vec(),
            rows: per_service,
        },
        Table {
            name: "per_step",
            header: vec![
                "service",
                "step",
                "served",
                "mean_service_s",
                "service_p50_s",
                "service_p90_s",
            ],
            rows: s
                .per_step
                .iter()
                .map(|f| {
                    vec![
                        f.service.to_string().into(),
                        f.step.as_ref().map(|s| s.to_string()).into(),
                        f.served.into(),
                        f.mean_service_s.into(),
                        f.service_p50_s.into(),
                        f.service_p90_s.into(),
                    ]
                })
                .collect(),
        },
        Table {
            name: "by_hour",
            header: vec!["hour", "issued"],
            rows: s
                .by_hour
                .iter()
                .enumerate()
                .map(|(h, n)| vec![(h as u32).into(), (*n).into()])
                .collect(),
        },
        Table {
            name: "heat_map",
            header: heat_header,
            rows: s
                .heat_map
                .iter()
                .zip(WEEKDAYS)
                .map(|(hours, day)| {
                    let mut row: Vec<Cell> = vec![day.into()];
                    row.extend(hours.iter().map(|n| Cell::from(*n)));
                    row
                })
                .collect(),
        },
        Table {
            name: "per_counter",
            header: vec!["counter", "served", "mean_service_s"],
            rows: s
                .per_counter
                .iter()
                .map(|c| {
                    vec![
                        c.counter.to_string().into(),
                        c.served.into(),
                        c.mean_service_s.into(),
                    ]
                })
                .collect(),
        },
        Table {
            name: "per_staff",
            header: vec!["staff", "username", "served", "mean_service_s"],
            rows: s
                .per_staff
                .iter()
                .map(|f| {
                    vec![
                        f.staff.to_string().into(),
                        f.username.clone().into(),
                        f.served.into(),
                        f.mean_service_s.into(),
                    ]
                })
                .collect(),
        },
        Table {
            name: "appointments",
            header: vec!["booked", "cancelled", "checked_in", "missed", "upcoming"],
            rows: vec![vec![
                a.booked.into(),
                a.cancelled.into(),
                a.checked_in.into(),
                a.missed.into(),
                a.upcoming.into(),
            ]],
        },
        Table {
            name: "estimate",
            header: vec!["estimate_mae_s", "estimate_samples", "visits"],
            rows: vec![vec![
                s.estimate_mae_s.into(),
                s.estimate_samples.into(),
                s.visits.into(),
            ]],
        },
    ]
}

/// A text cell for CSV: quoted when it must be, and a leading `=`, `+`, `-` or `@`
/// (which a spreadsheet would take for a formula) kept as text with a `'` before it.
fn csv_text(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// The report as CSV: the sections one after another, an empty line between them.
pub fn csv(s: &Summary) -> String {
    let mut out = String::new();
    for (i, table) in tables(s).iter().enumerate() {
        if i > 0 {
            out.push_str("\r\n");
        }
        out.push_str(&format!("# {}\r\n", table.name));
        out.push_str(&table.header.join(","));
        out.push_str("\r\n");
        for row in &table.rows {
            let cells: Vec<String> = row
                .iter()
                .map(|c| match c {
                    Cell::Text(t) => csv_text(t),
                    Cell::Number(n) => n.to_string(),
                    Cell::Empty => String::new(),
                })
                .collect();
            out.push_str(&cells.join(","));
            out.push_str("\r\n");
        }
    }
    out
}

/// The report as an XLSX workbook: one sheet per section, the header row bold.
pub fn xlsx(s: &Summary) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    for table in tables(s) {
        let sheet = book.add_worksheet();
        sheet.set_name(table.name)?;
        for (col, name) in table.header.iter().enumerate() {
            sheet.write_string_with_format(0, col as u16, *name, &bold)?;
        }
        for (r, row) in table.rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (col, cell) in row.iter().enumerate() {
                let col = col as u16;
                match cell {
                    // Written as text, never as a formula.
                    Cell::Text(t) => sheet.write_string(r, col, t)?,
                    Cell::Number(n) => sheet.write_number(r, col, *n)?,
                    Cell::Empty => sheet,
                };
            }
        }
    }
    book.save_to_buffer()
}
