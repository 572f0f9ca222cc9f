//! Where the PostgreSQL cases find their server, and what happens when none answers.
//!
//! `scripts/test` starts a server of its own when none answers at
//! [`admin_url`] and exports its address, so a PostgreSQL case only finds no server
//! when a suite runs outside that script. Then it skips with a notice — except with
//! `CI` set, where a case that cannot run is a failure ([`unreachable()`] panics).

/// The server the PostgreSQL cases create their databases on: `MEDICLOUD_TEST_POSTGRES`,
/// else `postgres://postgres@127.0.0.1:5432/postgres`.
pub fn admin_url() -> String {
    std::env::var("MEDICLOUD_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// Whether a PostgreSQL case must run: `CI` is set (to anything but `""`, `0` or `false`).
pub fn required() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.as_str(), "" | "0" | "false"))
}

/// No server answered at `url` (`why` says what went wrong). With `CI` set this panics,
/// so the case fails instead of passing without running; otherwise it prints the notice
/// of a skipped case and the caller returns.
pub fn unreachable(url: &str, why: &dyn std::fmt::Display) {
    if required() {
        panic!(
            "no PostgreSQL at {url} ({why}), and with CI set a PostgreSQL case may not skip: \
             run scripts/test (it starts a server of its own) or set MEDICLOUD_TEST_POSTGRES"
        );
    }
    eprintln!(
        "no PostgreSQL at {url} ({why}; set MEDICLOUD_TEST_POSTGRES): skipping the PostgreSQL case"
    );
}
