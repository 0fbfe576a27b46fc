//! The local server's defences, with raw TCP clients: only its own host names are answered,
//! oversized request heads are refused while they arrive, and idle or slow clients cannot take
//! every thread.

use samtykke_serve::http::{Config, Files, Limits, Server};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

fn files() -> Files {
    let mut map = BTreeMap::new();
    map.insert("index.html".to_owned(), b"home".to_vec());
    Arc::new(RwLock::new(map))
}

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("read timeout");
    stream
}

/// The status code of the next answer on `stream`, reading only its status line.
fn status(stream: &mut TcpStream) -> u16 {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while !line.ends_with(b"\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => line.push(byte[0]),
            other => panic!(
                "no status line ({other:?}); got {:?}",
                String::from_utf8_lossy(&line)
            ),
        }
    }
    let line = String::from_utf8_lossy(&line);
    line.split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {line:?}"))
}

/// Sends `head` (request line and headers, without the blank line) and returns the status.
fn ask(addr: SocketAddr, head: &str) -> u16 {
    let mut stream = connect(addr);
    write!(stream, "{head}\r\nConnection: close\r\n\r\n").expect("send");
    status(&mut stream)
}

fn get_with_host(addr: SocketAddr, host: &str) -> u16 {
    ask(addr, &format!("GET / HTTP/1.1\r\nHost: {host}"))
}

#[test]
fn only_loopback_host_names_with_the_servers_port_are_answered() {
    let server = Server::start(files(), 0, None).expect("start");
    let addr = server.addr();
    let port = addr.port();
    for ok in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
        format!("LocalHost:{port}"),
    ] {
        assert_eq!(get_with_host(addr, &ok), 200, "Host: {ok}");
    }
    for refused in [
        format!("evil.example:{port}"),
        format!("localhost.evil.example:{port}"),
        format!("127.0.0.1:{}", port.wrapping_add(1)),
        "127.0.0.1".to_owned(),
        "localhost".to_owned(),
        format!("127.0.0.2:{port}"),
        String::new(),
    ] {
        assert_eq!(get_with_host(addr, &refused), 421, "Host: {refused:?}");
    }
    // No Host at all, and two of them.
    assert_eq!(ask(addr, "GET / HTTP/1.0"), 421);
    assert_eq!(
        ask(
            addr,
            &format!("GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nHost: evil.example:{port}")
        ),
        421
    );
}

#[test]
fn names_a_test_maps_to_loopback_are_answered_only_where_configured() {
    let config = Config {
        hosts: vec!["www.hesbynett.test".to_owned()],
        ..Config::default()
    };
    let named = Server::start_with(files(), 0, None, config).expect("start");
    let plain = Server::start(files(), 0, None).expect("start");
    let host = |s: &Server| format!("www.hesbynett.test:{}", s.addr().port());
    assert_eq!(get_with_host(named.addr(), &host(&named)), 200);
    assert_eq!(
        get_with_host(named.addr(), &format!("127.0.0.1:{}", named.addr().port())),
        200
    );
    assert_eq!(get_with_host(plain.addr(), &host(&plain)), 421);
    assert_eq!(
        get_with_host(
            named.addr(),
            &format!("evil.example:{}", named.addr().port())
        ),
        421
    );
}

#[test]
fn an_oversized_url_is_refused_before_it_has_all_arrived() {
    let server = Server::start(files(), 0, None).expect("start");
    let mut stream = connect(server.addr());
    // 1 MB of a URL that never ends: the answer must come without the server waiting for, or
    // keeping, the rest (a 16 MB URL would only take longer to send).
    let chunk = vec![b'a'; 64 * 1024];
    let _ = stream.write_all(b"GET /");
    for _ in 0..16 {
        if stream.write_all(&chunk).is_err() {
            break; // the server has answered and closed
        }
    }
    assert_eq!(status(&mut stream), 414);
}

#[test]
fn oversized_or_too_many_headers_are_refused() {
    let server = Server::start(files(), 0, None).expect("start");
    let addr = server.addr();
    let host = format!("Host: {addr}");

    // One endless header line.
    let mut stream = connect(addr);
    let _ = write!(stream, "GET / HTTP/1.1\r\n{host}\r\nX-Big: ");
    let chunk = vec![b'b'; 64 * 1024];
    for _ in 0..16 {
        if stream.write_all(&chunk).is_err() {
            break;
        }
    }
    assert_eq!(status(&mut stream), 431);

    // Many lines of a modest size, never ending.
    let mut stream = connect(addr);
    let _ = write!(stream, "GET / HTTP/1.1\r\n{host}\r\n");
    let line = format!("X-Filler: {}\r\n", "f".repeat(1000));
    for _ in 0..1000 {
        if stream.write_all(line.as_bytes()).is_err() {
            break;
        }
    }
    assert_eq!(status(&mut stream), 431);

    // Many tiny headers, within the byte budget but over the count.
    let many: String = (0..200).map(|i| format!("\r\nX-{i}: 1")).collect();
    assert_eq!(ask(addr, &format!("GET / HTTP/1.1\r\n{host}{many}")), 431);

    // Just inside the limits is fine.
    let some: String = (0..50).map(|i| format!("\r\nX-{i}: 1")).collect();
    assert_eq!(ask(addr, &format!("GET / HTTP/1.1\r\n{host}{some}")), 200);
}

/// Waits until `check` holds, for at most 30 s.
fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn idle_clients_cannot_take_every_connection() {
    let config = Config {
        limits: Limits {
            connections: 8,
            // The slow clients below must outlast the test, however loaded the machine.
            head_time: Duration::from_secs(600),
            ..Limits::default()
        },
        ..Config::default()
    };
    let server = Server::start_with(files(), 0, None, config).expect("start");
    let addr = server.addr();
    let host = format!("Host: {addr}");

    // Slow clients that began a request and stopped.
    let slow_client = || {
        let mut s = connect(addr);
        write!(s, "GET / HTTP/1.1\r\n").expect("send");
        s
    };
    let mut idle: Vec<TcpStream> = (0..7).map(|_| slow_client()).collect();
    // One slot is left: a real request still gets its page.
    eventually("a request beside 7 slow clients", || {
        ask(addr, &format!("GET / HTTP/1.1\r\n{host}")) == 200
    });

    // More slow clients fill the server (a finished request gives its slot back a moment after
    // its answer, so they are added until it is full): the next connection is told so.
    // The refusal says why. A request answered just before may still hold its slot for a
    // moment, so a 503 can come while a slot is about to free: the check is repeated, with one
    // more slow client each time, until the server is full for good.
    let mut last = String::new();
    eventually(
        "503 «too many connections» when every slot is taken",
        || {
            idle.push(slow_client());
            let mut stream = connect(addr);
            let _ = write!(
                stream,
                "GET / HTTP/1.1\r\n{host}\r\nConnection: close\r\n\r\n"
            );
            last.clear();
            let _ = stream.read_to_string(&mut last);
            last.starts_with("HTTP/1.1 503") && last.contains("too many connections")
        },
    );

    // The slots come back when the slow clients leave.
    drop(idle);
    eventually("slots given back", || {
        ask(addr, &format!("GET / HTTP/1.1\r\n{host}")) == 200
    });
}

#[test]
fn a_client_too_slow_to_send_its_head_is_dropped() {
    let config = Config {
        limits: Limits {
            head_time: Duration::from_millis(300),
            ..Limits::default()
        },
        ..Config::default()
    };
    let server = Server::start_with(files(), 0, None, config).expect("start");
    let mut stream = connect(server.addr());
    write!(stream, "GET / HTTP/1.1\r\nX-Slow: ").expect("send");
    // The server hangs up: read returns end of stream (not our 30 s timeout).
    let mut buf = [0u8; 16];
    let read = stream.read(&mut buf);
    assert!(
        matches!(read, Ok(0))
            || matches!(&read, Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset),
        "{read:?}"
    );
}

#[test]
fn kept_alive_connections_are_checked_on_every_request() {
    let server = Server::start(files(), 0, None).expect("start");
    let addr = server.addr();
    let mut stream = connect(addr);
    write!(stream, "GET / HTTP/1.1\r\nHost: {addr}\r\n\r\n").expect("send");
    assert_eq!(status(&mut stream), 200);
    // Skip the rest of the first answer: headers, then the 4-byte body.
    let mut rest = Vec::new();
    let mut byte = [0u8; 1];
    while !rest.ends_with(b"\r\n\r\nhome") {
        assert_eq!(stream.read(&mut byte).expect("read"), 1);
        rest.push(byte[0]);
    }
    write!(
        stream,
        "GET / HTTP/1.1\r\nHost: evil.example:{}\r\n\r\n",
        addr.port()
    )
    .expect("send");
    assert_eq!(status(&mut stream), 421);
}
