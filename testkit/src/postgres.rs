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

/// The URL of database `name` on the server of `admin_url` (its path replaced).
pub fn database_url(admin_url: &str, name: &str) -> String {
    let authority = admin_url.find("://").map_or(0, |i| i + 3);
    match admin_url[authority..].find('/') {
        Some(i) => format!("{}/{name}", &admin_url[..authority + i]),
        None => format!("{admin_url}/{name}"),
    }
}

/// The server's `host:port` in a `postgres://user@host:port/db` URL, when it is an IP
/// address and port (as the tests' are).
pub fn server_address(url: &str) -> Option<std::net::SocketAddr> {
    let rest = &url[url.find("://")? + 3..];
    let rest = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
    rest.split(['/', '?']).next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_of_a_database_and_its_server() {
        let admin = "postgres://postgres@127.0.0.1:5432/postgres";
        let db = database_url(admin, "medicloud_x");
        assert_eq!(db, "postgres://postgres@127.0.0.1:5432/medicloud_x");
        assert_eq!(
            database_url("postgres://postgres@127.0.0.1:5433", "y"),
            "postgres://postgres@127.0.0.1:5433/y"
        );
        assert_eq!(server_address(&db), Some("127.0.0.1:5432".parse().unwrap()));
        assert_eq!(server_address("postgres://db.example/x"), None);
    }
}
