//! Live reload by server-sent events.
//!
//! Every page carries a tiny module script that opens
//! `EventSource("/__samtykke/events?since=N")`, where N is the build it was rendered in (or the
//! failed build an overlay shows). The endpoint answers as soon as the latest build is not N,
//! with one `data:` event that makes the page reload, and otherwise after a while with nothing;
//! either way the response ends and the browser reconnects after `retry`. So one request never
//! outlives a build, the server needs no streaming, and a change made between a page's load
//! and its connection is still seen.

use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tiny_http::{Header, Response, ResponseBox};

pub const EVENTS_PATH: &str = "/__samtykke/events";

/// How long an idle request is held before it is answered with nothing.
const HOLD: Duration = Duration::from_secs(20);

/// The page's script. Reads the overlay's build number when an overlay is shown.
pub fn client_script(generation: u64) -> String {
    format!(
        "const o=document.getElementById(\"samtykke-overlay\"),s=new EventSource(\"{EVENTS_PATH}?since=\"+(o?o.dataset.build:\"{generation}\"));s.onmessage=()=>{{s.close();location.reload()}};"
    )
}

#[derive(Debug)]
struct Status {
    generation: u64,
    /// The message of the latest build, when it failed.
    error: Option<String>,
    /// Whether any build succeeded: without one, errors get a page of their own.
    built: bool,
    closed: bool,
}

#[derive(Debug)]
pub struct State {
    status: Mutex<Status>,
    changed: Condvar,
}

impl State {
    pub fn new() -> State {
        // Numbers start from the clock, so a tab left open across a restart reloads.
        let start = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_millis() as u64);
        State {
            status: Mutex::new(Status {
                generation: start,
                error: None,
                built: false,
                closed: false,
            }),
            changed: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Status> {
        // A panic elsewhere cannot leave Status half-updated: every write is one assignment.
        self.status
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn generation(&self) -> u64 {
        self.lock().generation
    }

    /// The number the next build will publish under (builds run one at a time).
    pub fn next_generation(&self) -> u64 {
        self.lock().generation + 1
    }

    /// Makes a finished build current and wakes every waiting browser.
    pub fn publish(&self, generation: u64, error: Option<String>) {
        let mut status = self.lock();
        status.generation = generation;
        status.built |= error.is_none();
        status.error = error;
        self.changed.notify_all();
    }

    /// The failed build's number and message, and whether an earlier build succeeded.
    pub fn failure(&self) -> Option<(u64, String, bool)> {
        let status = self.lock();
        status
            .error
            .clone()
            .map(|e| (status.generation, e, status.built))
    }

    pub fn close(&self) {
        self.lock().closed = true;
        self.changed.notify_all();
    }

    /// Waits until the current build is not `since`, for at most `hold`; returns it if so.
    fn wait_for_change(&self, since: u64, hold: Duration) -> Option<u64> {
        let deadline = Instant::now() + hold;
        let mut status = self.lock();
        loop {
            if status.generation != since {
                return Some(status.generation);
            }
            let now = Instant::now();
            if status.closed || now >= deadline {
                return None;
            }
            status = match self.changed.wait_timeout(status, deadline - now) {
                Ok((guard, _)) => guard,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }
}

impl Default for State {
    fn default() -> Self {
        State::new()
    }
}

/// Answers the events endpoint; `None` for any other URL.
pub fn answer(state: &State, url: &str) -> Option<ResponseBox> {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    if path != EVENTS_PATH {
        return None;
    }
    let since = query
        .split('&')
        .find_map(|pair| pair.strip_prefix("since="))
        .and_then(|n| n.parse::<u64>().ok());
    // A request without a number waits for the next build.
    let since = since.unwrap_or_else(|| state.generation());
    let body = match state.wait_for_change(since, HOLD) {
        Some(generation) => format!("retry: 250\nid: {generation}\ndata: reload\n\n"),
        None => "retry: 250\n: idle\n\n".to_owned(),
    };
    let mut response = Response::from_string(body);
    for (name, value) in [
        ("Content-Type", "text/event-stream; charset=utf-8"),
        ("Cache-Control", "no-store"),
        ("Connection", "close"),
    ] {
        if let Ok(header) = Header::from_bytes(name.as_bytes(), value.as_bytes()) {
            response.add_header(header);
        }
    }
    Some(response.boxed())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn a_stale_number_is_answered_at_once() {
        let state = State::new();
        let now = state.generation();
        assert_eq!(
            state.wait_for_change(now - 1, Duration::from_secs(5)),
            Some(now)
        );
    }

    #[test]
    fn a_waiting_request_wakes_on_publish_and_times_out_without() {
        let state = Arc::new(State::new());
        let now = state.generation();
        assert_eq!(state.wait_for_change(now, Duration::from_millis(20)), None);
        let waiter = {
            let state = Arc::clone(&state);
            std::thread::spawn(move || state.wait_for_change(now, Duration::from_secs(10)))
        };
        std::thread::sleep(Duration::from_millis(50));
        state.publish(now + 1, None);
        assert_eq!(waiter.join().ok().flatten(), Some(now + 1));
    }

    #[test]
    fn the_script_reads_the_overlays_build_number() {
        let script = client_script(42);
        assert!(
            script.contains("since=\"+(o?o.dataset.build:\"42\")"),
            "{script}"
        );
        assert!(!script.contains('\n'));
    }
}
