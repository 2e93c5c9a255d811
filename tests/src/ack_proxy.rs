//! A TCP proxy between NATS clients and a server that can lose JetStream publish
//! acknowledgements on purpose: the server stores the message, the client never hears so. This
//! is what a connection lost at the wrong moment does, made to happen at a chosen message.
//!
//! Client-to-server bytes pass untouched. Server-to-client bytes are read frame by frame (the
//! NATS protocol's `MSG`/`HMSG` frames and its one-line operations); a frame whose payload is a
//! publish acknowledgement (`{"stream":…,"seq":…}`) is dropped while drops are armed.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// A running proxy; stops accepting when dropped.
pub struct AckProxy {
    pub port: u16,
    to_drop: Arc<AtomicUsize>,
    dropped: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl AckProxy {
    /// Listens on a free loopback port and forwards every connection to `upstream_port`.
    pub fn start(upstream_port: u16) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a proxy port");
        let port = listener.local_addr().expect("the proxy's address").port();
        let to_drop = Arc::new(AtomicUsize::new(0));
        let dropped = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (d, n, s) = (Arc::clone(&to_drop), Arc::clone(&dropped), Arc::clone(&stop));
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if s.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(client) = client else { continue };
                let Ok(server) = TcpStream::connect(("127.0.0.1", upstream_port)) else {
                    continue;
                };
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                let (client_r, server_w) = (client.try_clone(), server.try_clone());
                let (Ok(mut client_r), Ok(mut server_w)) = (client_r, server_w) else { continue };
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut client_r, &mut server_w);
                    let _ = server_w.shutdown(Shutdown::Both);
                });
                let (d, n) = (Arc::clone(&d), Arc::clone(&n));
                std::thread::spawn(move || {
                    let _ = forward_frames(server, client, &d, &n);
                });
            }
        });
        Self { port, to_drop, dropped, stop }
    }

    /// The client URL.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Drops the next `n` publish acknowledgements the server sends.
    pub fn drop_acks(&self, n: usize) {
        self.to_drop.store(n, Ordering::SeqCst);
    }

    /// How many acknowledgements were dropped so far.
    pub fn dropped(&self) -> usize {
        self.dropped.load(Ordering::SeqCst)
    }
}

impl Drop for AckProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// Copies the server's frames to the client, leaving out acknowledgements while armed.
fn forward_frames(
    server: TcpStream,
    mut client: TcpStream,
    to_drop: &AtomicUsize,
    dropped: &AtomicUsize,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(server);
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            let _ = client.shutdown(Shutdown::Both);
            return Ok(());
        }
        let is_msg = line.starts_with(b"MSG ") || line.starts_with(b"HMSG ");
        if !is_msg {
            client.write_all(&line)?;
            continue;
        }
        // The last token of a MSG/HMSG line is the size of what follows (headers included).
        let text = String::from_utf8_lossy(&line);
        let size: usize = text.split_whitespace().last().and_then(|t| t.parse().ok()).unwrap_or(0);
        let mut body = vec![0u8; size + 2];
        reader.read_exact(&mut body)?;
        let header_size: usize = if line.starts_with(b"HMSG ") {
            text.split_whitespace().rev().nth(1).and_then(|t| t.parse().ok()).unwrap_or(0)
        } else {
            0
        };
        let payload = &body[header_size.min(size)..size];
        // A publish acknowledgement; API replies start with "type", failed publishes with "error".
        let is_ack = payload.starts_with(br#"{"stream":"#);
        if is_ack
            && to_drop
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok()
        {
            dropped.fetch_add(1, Ordering::SeqCst);
            continue;
        }
        client.write_all(&line)?;
        client.write_all(&body)?;
    }
}
