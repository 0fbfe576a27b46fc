//! The DevTools-protocol connection to Chromium.
//!
//! An audit makes thousands of calls, several tabs at once, so no call may wait on another's
//! read: one thread only reads (its own handle on the socket), callers only write, and answers find their caller by id:
//! a call takes about a millisecond, and tabs audited side by side do not queue behind each
//! other. Messages are plain JSON, so a newer Chromium's new fields or enum values cannot break
//! parsing.

use serde_json::{json, Value};
use std::collections::HashMap;
use std::net::TcpStream;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;
use tungstenite::protocol::Role;
use tungstenite::{Message, WebSocket};

/// Called on the reader thread with each event of a session:
/// `(connection, session, method, params)`.
pub type Handler = Arc<HandlerFn>;
pub type HandlerFn = dyn Fn(&Wire, &str, &str, &Value) + Send + Sync;

type Answer = Result<Value, String>;

/// The shared half: what callers and the reader thread both use.
pub struct Wire {
    writer: Mutex<WebSocket<TcpStream>>,
    next_id: AtomicU64,
    pending: Mutex<HashMap<u64, Sender<Answer>>>,
    sessions: Mutex<HashMap<String, Handler>>,
    timeout: Duration,
}

pub struct Connection {
    wire: Arc<Wire>,
    socket: TcpStream,
    reader: Option<JoinHandle<()>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Connection {
    /// Connects to a browser's `ws://127.0.0.1:PORT/devtools/browser/…` endpoint.
    pub fn connect(ws_url: &str) -> Result<Connection, String> {
        let address = ws_url
            .strip_prefix("ws://")
            .and_then(|rest| rest.split('/').next())
            .ok_or_else(|| format!("not a DevTools endpoint: {ws_url}"))?;
        let stream = TcpStream::connect(address).map_err(|e| format!("{address}: {e}"))?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        let (socket, _) =
            tungstenite::client(ws_url, stream).map_err(|e| format!("{ws_url}: {e}"))?;
        let read_half = socket.get_ref().try_clone().map_err(|e| e.to_string())?;
        let shutdown = socket.get_ref().try_clone().map_err(|e| e.to_string())?;
        let mut reader = WebSocket::from_raw_socket(read_half, Role::Client, None);
        let wire = Arc::new(Wire {
            writer: Mutex::new(socket),
            next_id: AtomicU64::new(1),
            pending: Mutex::new(HashMap::new()),
            sessions: Mutex::new(HashMap::new()),
            timeout: Duration::from_secs(30),
        });
        let shared = Arc::clone(&wire);
        let thread = std::thread::spawn(move || {
            while let Ok(message) = reader.read() {
                let Message::Text(text) = message else {
                    continue;
                };
                if let Ok(value) = serde_json::from_str::<Value>(text.as_str()) {
                    shared.dispatch(&value);
                }
            }
            // The socket is gone: nobody will answer the calls still waiting.
            for (_, waiting) in lock(&shared.pending).drain() {
                let _ = waiting.send(Err("the browser closed the DevTools connection".into()));
            }
        });
        Ok(Connection {
            wire,
            socket: shutdown,
            reader: Some(thread),
        })
    }

    pub fn wire(&self) -> &Arc<Wire> {
        &self.wire
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        let _ = self.socket.shutdown(std::net::Shutdown::Both);
        if let Some(thread) = self.reader.take() {
            let _ = thread.join();
        }
    }
}

impl Wire {
    fn dispatch(&self, message: &Value) {
        if let Some(id) = message.get("id").and_then(Value::as_u64) {
            if let Some(waiting) = lock(&self.pending).remove(&id) {
                let answer = match message.get("error") {
                    Some(error) => Err(error
                        .get("message")
                        .and_then(Value::as_str)
                        .map_or_else(|| error.to_string(), str::to_owned)),
                    None => Ok(message.get("result").cloned().unwrap_or(Value::Null)),
                };
                let _ = waiting.send(answer);
            }
            return;
        }
        let (Some(method), Some(session)) = (
            message.get("method").and_then(Value::as_str),
            message.get("sessionId").and_then(Value::as_str),
        ) else {
            return;
        };
        let handler = lock(&self.sessions).get(session).cloned();
        if let Some(handler) = handler {
            handler(
                self,
                session,
                method,
                message.get("params").unwrap_or(&Value::Null),
            );
        }
    }

    fn write(
        &self,
        id: u64,
        session: Option<&str>,
        method: &str,
        params: Value,
    ) -> Result<(), String> {
        let mut message = json!({ "id": id, "method": method, "params": params });
        if let Some(session) = session {
            message["sessionId"] = session.into();
        }
        lock(&self.writer)
            .send(Message::text(message.to_string()))
            .map_err(|e| format!("{method}: {e}"))
    }

    /// Calls `method` on the browser (`session` None) or a page's session and waits for the
    /// answer's `result`.
    pub fn call(
        &self,
        session: Option<&str>,
        method: &str,
        params: Value,
    ) -> Result<Value, String> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = channel();
        // Registered before writing, so a fast answer always finds its caller.
        lock(&self.pending).insert(id, tx);
        if let Err(e) = self.write(id, session, method, params) {
            lock(&self.pending).remove(&id);
            return Err(e);
        }
        match rx.recv_timeout(self.timeout) {
            Ok(answer) => answer.map_err(|e| format!("{method}: {e}")),
            Err(_) => {
                lock(&self.pending).remove(&id);
                Err(format!(
                    "{method}: no answer from the browser in {} s",
                    self.timeout.as_secs()
                ))
            }
        }
    }

    /// Sends without waiting for the answer: for event handlers, which run on the reader thread
    /// and so could never receive one.
    pub fn send(&self, session: Option<&str>, method: &str, params: Value) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let _ = self.write(id, session, method, params);
    }

    pub fn listen(&self, session: &str, handler: Handler) {
        lock(&self.sessions).insert(session.to_owned(), handler);
    }

    pub fn forget(&self, session: &str) {
        lock(&self.sessions).remove(session);
    }
}
