//! Reading a server-sent event stream the way a browser's EventSource does, for tests
//! and benchmarks that watch `/api/v1/events` or `/hq/v1/events`.

use std::time::Duration;

/// The next named event of `res` within `wait`: `(event, data)`. Frames without an
/// `event:` line (keep-alive comments) are skipped; `buffer` keeps what was read past
/// the event, for the next call.
///
/// # Panics
/// When nothing arrives within `wait`, or the stream ends.
pub async fn next_event(
    res: &mut reqwest::Response,
    buffer: &mut String,
    wait: Duration,
) -> (String, String) {
    loop {
        if let Some(end) = buffer.find("\n\n") {
            let frame: String = buffer.drain(..end + 2).collect();
            let field = |name: &str| {
                frame
                    .lines()
                    .find_map(|l| l.strip_prefix(name))
                    .map(|v| v.trim_start().to_owned())
            };
            if let Some(event) = field("event:") {
                return (event, field("data:").unwrap_or_default());
            }
            continue;
        }
        let chunk = tokio::time::timeout(wait, res.chunk())
            .await
            .expect("an event in time")
            .unwrap()
            .expect("the stream is open");
        buffer.push_str(std::str::from_utf8(&chunk).unwrap());
    }
}
