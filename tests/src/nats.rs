//! A real `nats-server` for tests: JetStream on, loopback, an ephemeral port, a temporary store
//! directory; killed when dropped. The binary is `$NATS_SERVER` or `nats-server` on `PATH`
//! (`cargo xtask test` installs Debian's package when it is missing).

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// One running server.
pub struct NatsServer {
    child: Option<Child>,
    pub port: u16,
    pub store: tempfile::TempDir,
    binary: PathBuf,
    config: Option<PathBuf>,
    /// Variables the server's configuration reads from its environment.
    env: Vec<(String, String)>,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl NatsServer {
    /// Starts a server and waits until it accepts connections.
    pub fn start() -> Self {
        let binary = std::env::var_os("NATS_SERVER")
            .map_or_else(|| PathBuf::from("nats-server"), PathBuf::from);
        let mut server = Self {
            child: None,
            port: free_port(),
            store: tempfile::tempdir().expect("a store directory"),
            binary,
            config: None,
            env: Vec::new(),
        };
        server.spawn();
        server
    }

    /// Starts a server with a configuration file: `extra` is appended to the listen and
    /// JetStream settings, and `files` (name, text) are written beside it for `include`.
    pub fn start_with_config(extra: &str, files: &[(&str, &str)]) -> Self {
        let binary = std::env::var_os("NATS_SERVER")
            .map_or_else(|| PathBuf::from("nats-server"), PathBuf::from);
        Self::start_configured(binary, extra, files, &[])
    }

    /// [`NatsServer::start_with_config`] on a recent server (`$NATS_CLUSTER_SERVER`, the 2.11
    /// build `cargo xtask test` fetches, else as for [`NatsServer`]), with environment
    /// variables for the configuration (`$MANDATE_GATE_PASSWORD` …).
    pub fn start_recent(extra: &str, files: &[(&str, &str)], env: &[(&str, &str)]) -> Self {
        let binary = std::env::var_os("NATS_CLUSTER_SERVER")
            .or_else(|| std::env::var_os("NATS_SERVER"))
            .map_or_else(|| PathBuf::from("nats-server"), PathBuf::from);
        Self::start_configured(binary, extra, files, env)
    }

    fn start_configured(
        binary: PathBuf,
        extra: &str,
        files: &[(&str, &str)],
        env: &[(&str, &str)],
    ) -> Self {
        let store = tempfile::tempdir().expect("a store directory");
        let port = free_port();
        for (name, text) in files {
            std::fs::write(store.path().join(name), text).expect("an included file");
        }
        let config = store.path().join("server.conf");
        let text = format!(
            "listen: 127.0.0.1:{port}\njetstream {{ store_dir: {:?} }}\n{extra}\n",
            store.path().join("js").display().to_string()
        );
        std::fs::write(&config, text).expect("the server configuration");
        let env = env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        let mut server = Self { child: None, port, store, binary, config: Some(config), env };
        server.spawn();
        server
    }

    fn spawn(&mut self) {
        let mut command = Command::new(&self.binary);
        command.envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        match &self.config {
            Some(config) => command.arg("-c").arg(config),
            None => command
                .args(["-js", "-a", "127.0.0.1", "-p", &self.port.to_string(), "-sd"])
                .arg(self.store.path()),
        };
        let child = command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start {} ({e}); install nats-server (cargo xtask test does) or set NATS_SERVER",
                    self.binary.display()
                )
            });
        self.child = Some(child);
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "nats-server did not start listening"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The client URL.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// The client URL with a user and password.
    pub fn url_as(&self, user: &str, password: &str) -> String {
        format!("nats://{user}:{password}@127.0.0.1:{}", self.port)
    }

    /// Kills the server with SIGKILL.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port and store.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Three nats-server processes on loopback, routed into one JetStream cluster. The binary is
/// `$NATS_CLUSTER_SERVER` (cargo xtask test sets it to an official 2.11 build, which has the
/// fix for nats-server issue #4320), else as for [`NatsServer`].
pub struct NatsCluster {
    pub nodes: Vec<NatsServer>,
}

impl NatsCluster {
    /// Starts three routed nodes and waits until each accepts connections.
    pub fn start() -> Self {
        let binary = std::env::var_os("NATS_CLUSTER_SERVER")
            .or_else(|| std::env::var_os("NATS_SERVER"))
            .map_or_else(|| PathBuf::from("nats-server"), PathBuf::from);
        let client_ports: Vec<u16> = (0..3).map(|_| free_port()).collect();
        let route_ports: Vec<u16> = (0..3).map(|_| free_port()).collect();
        let routes: Vec<String> =
            route_ports.iter().map(|p| format!("\"nats-route://127.0.0.1:{p}\"")).collect();
        let mut nodes = Vec::new();
        for n in 0..3 {
            let store = tempfile::tempdir().expect("a store directory");
            let config = store.path().join("server.conf");
            let text = format!(
                "server_name: n{n}\nlisten: 127.0.0.1:{}\njetstream {{ store_dir: {:?} }}\n\
                 cluster {{\n  name: mandate-test\n  listen: 127.0.0.1:{}\n  routes: [{}]\n}}\n",
                client_ports[n],
                store.path().join("js").display().to_string(),
                route_ports[n],
                routes.join(", ")
            );
            std::fs::write(&config, text).expect("a node configuration");
            nodes.push(NatsServer {
                child: None,
                port: client_ports[n],
                store,
                binary: binary.clone(),
                config: Some(config),
                env: Vec::new(),
            });
        }
        for node in &mut nodes {
            node.spawn();
        }
        Self { nodes }
    }

    /// A client URL listing every node.
    pub fn url(&self) -> String {
        self.nodes.iter().map(|n| n.url()).collect::<Vec<_>>().join(",")
    }
}
