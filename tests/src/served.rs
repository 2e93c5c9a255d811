//! A real `mandate serve --http` on an ephemeral loopback port, and a small HTTP client for it.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// One answer over HTTP.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub location: Option<String>,
    pub headers: Vec<(String, String)>,
    pub text: String,
}

impl Reply {
    /// The body as JSON (panics with the body when it is not).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", self.status, self.text))
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// A running server. Killed when dropped.
pub struct Served {
    child: Option<Child>,
    pub base: String,
    pub data: PathBuf,
    agent: ureq::Agent,
}

fn agent(ca: Option<Vec<u8>>) -> ureq::Agent {
    let mut config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        // Redirects are answers to check (sign-in's 303 and its cookie), not to follow.
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(60)));
    if let Some(ca) = ca {
        let roots = vec![ureq::tls::Certificate::from_der(&ca).to_owned()];
        config = config.tls_config(
            ureq::tls::TlsConfig::builder()
                .provider(ureq::tls::TlsProvider::Rustls)
                .root_certs(ureq::tls::RootCerts::Specific(std::sync::Arc::new(roots)))
                .build(),
        );
    }
    config.build().into()
}

impl Served {
    /// Starts `bin --data DATA serve --http 127.0.0.1:0 EXTRA…` and waits until it is ready.
    pub fn start(bin: &Path, data: &Path, extra: &[&str]) -> Self {
        Self::start_trusting(bin, data, extra, None)
    }

    /// [`Served::start`] for a server with TLS, trusting the CA certificate `ca` (DER).
    pub fn start_trusting(bin: &Path, data: &Path, extra: &[&str], ca: Option<Vec<u8>>) -> Self {
        let serve_file = data.join("serve.json");
        let _ = std::fs::remove_file(&serve_file);
        let mut child = Command::new(bin)
            .arg("--data")
            .arg(data)
            .args(["serve", "--http", "127.0.0.1:0"])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("mandate serve starts");
        let deadline = Instant::now() + Duration::from_secs(60);
        let base = loop {
            if let Some(v) = std::fs::read_to_string(&serve_file)
                .ok()
                .and_then(|t| serde_json::from_str::<Value>(&t).ok())
                && let Some(http) = v["http"].as_str()
            {
                // A certificate made for "localhost" is checked against that name.
                break match v["scheme"].as_str() {
                    Some("https") => {
                        format!("https://localhost:{}", http.rsplit(':').next().unwrap_or(""))
                    }
                    _ => format!("http://{http}"),
                };
            }
            assert!(Instant::now() < deadline, "mandate serve did not start");
            if let Some(status) = child.try_wait().ok().flatten() {
                panic!("mandate serve exited at start: {status}");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let served = Self { child: Some(child), base, data: data.to_owned(), agent: agent(ca) };
        served.wait_ready();
        served
    }

    /// Waits for `/readyz` to say ready.
    pub fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while self.get("/readyz").status != 200 {
            assert!(Instant::now() < deadline, "mandate serve never got ready");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn reply(response: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
        let mut response = response.expect("the server answers");
        let headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_owned()))
            .collect();
        let find = |name: &str| headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        let content_type = find("content-type").unwrap_or_default();
        let location = find("location");
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().unwrap_or_default();
        Reply { status, content_type, location, headers, text }
    }

    /// `GET base + path` (path already encoded).
    pub fn get(&self, path: &str) -> Reply {
        Self::reply(self.agent.get(format!("{}{path}", self.base)).call())
    }

    /// `GET base + path` with `Authorization: Bearer TOKEN`.
    pub fn get_as(&self, path: &str, token: &str) -> Reply {
        Self::reply(
            self.agent
                .get(format!("{}{path}", self.base))
                .header("authorization", format!("Bearer {token}"))
                .call(),
        )
    }

    /// `GET base + path`'s status and body bytes (tiles are binary), with a bearer token if
    /// given.
    pub fn get_bytes(&self, path: &str, token: Option<&str>) -> (u16, Vec<u8>) {
        let mut request = self.agent.get(format!("{}{path}", self.base));
        if let Some(t) = token {
            request = request.header("authorization", format!("Bearer {t}"));
        }
        match request.call() {
            Ok(mut r) => {
                let status = r.status().as_u16();
                let body =
                    r.body_mut().with_config().limit(64 << 20).read_to_vec().unwrap_or_default();
                (status, body)
            }
            Err(e) => panic!("GET {path} failed: {e}"),
        }
    }

    /// `POST base + path` with a body and a content type.
    pub fn post(&self, path: &str, content_type: &str, body: &[u8]) -> Reply {
        Self::reply(
            self.agent
                .post(format!("{}{path}", self.base))
                .header("content-type", content_type)
                .send(body),
        )
    }

    /// `POST base + path` with a body and these request headers (a token, say).
    pub fn post_with(
        &self,
        path: &str,
        content_type: &str,
        body: &[u8],
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut request =
            self.agent.post(format!("{}{path}", self.base)).header("content-type", content_type);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        Self::reply(request.send(body))
    }

    /// `GET base + path` with these request headers (a cookie, say).
    pub fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        let mut request = self.agent.get(format!("{}{path}", self.base));
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        Self::reply(request.call())
    }

    /// `POST base + path` with a form body and these request headers (`Origin`, a cookie).
    pub fn post_form(&self, path: &str, body: &str, headers: &[(&str, &str)]) -> Reply {
        let mut request = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded");
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        Self::reply(request.send(body.as_bytes()))
    }

    /// [`Served::post`], or `None` when the server cannot be reached (it crashed, say).
    pub fn try_post(&self, path: &str, content_type: &str, body: &[u8]) -> Option<Reply> {
        let response = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("content-type", content_type)
            .send(body);
        response.is_ok().then(|| Self::reply(response))
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// Asks the server to stop (SIGTERM) and waits for it; returns whether it exited cleanly.
    pub fn stop(&mut self) -> bool {
        let Some(mut child) = self.child.take() else { return false };
        let _ = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
        child.wait().is_ok_and(|s| s.success())
    }

    /// Kills the server at once (SIGKILL), as a crash would.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The demo's other wards and their people, by slug: what a reader of Bồ Đề
/// (`vn/ha-noi/long-bien/bo-de`) must never see.
pub const ELSEWHERE_SLUGS: [&str; 9] = [
    "ngoc-thuy",
    "thach-ban",
    "le-van-c",
    "pham-thi-d",
    "hoang-van-e",
    "vu-thi-g",
    "bui-thi-k",
    "dang-van-l",
    "bac-ninh",
];

/// The same, by the names pages show.
pub const ELSEWHERE_NAMES: [&str; 8] = [
    "Ngọc Thụy",
    "Thạch Bàn",
    "Lê Văn C",
    "Phạm Thị D",
    "Hoàng Văn E",
    "Vũ Thị G",
    "Bùi Thị K",
    "Đặng Văn L",
];

/// Runs `bin demo --data DIR/demo` and returns the ledger's directory.
pub fn demo_ledger(bin: &Path, dir: &Path) -> PathBuf {
    let data = dir.join("demo");
    let out = Command::new(bin).args(["demo", "--data"]).arg(&data).output().expect("mandate runs");
    assert!(out.status.success(), "mandate demo: {}", String::from_utf8_lossy(&out.stderr));
    data
}

/// The ledger's token key, `DATA/keys/token.key`, made (unencrypted) if it has none.
pub fn token_key(bin: &Path, data: &Path) -> PathBuf {
    let key = data.join("keys/token.key");
    if !key.exists() {
        let out = Command::new(bin)
            .arg("--data")
            .arg(data)
            .args(["key", "generate", "--no-passphrase", "--out"])
            .arg(&key)
            .output()
            .expect("mandate runs");
        assert!(out.status.success(), "key generate: {}", String::from_utf8_lossy(&out.stderr));
    }
    key
}

/// `bin token issue` for these areas (making the token key first if the ledger has none), as
/// the bearer token it prints.
pub fn issue_token(bin: &Path, data: &Path, areas: &[&str]) -> String {
    let run = |args: &[&str]| {
        let out = Command::new(bin).arg("--data").arg(data).args(args).output().expect("runs");
        assert!(out.status.success(), "mandate {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        out.stdout
    };
    token_key(bin, data);
    let mut args = vec!["token", "issue", "--json"];
    for a in areas {
        args.extend(["--area", a]);
    }
    let v: Value = serde_json::from_slice(&run(&args)).expect("token issue prints JSON");
    v["token"].as_str().expect("a token").to_owned()
}

/// Checks `bundle` offline with `mandate verify-bundle`, trusting the ledger's published keys
/// (`key export --public`, written beside the bundle); asserts it verifies and returns what
/// verify-bundle said.
pub fn verify_bundle(bin: &Path, data: &Path, bundle: &Path) -> String {
    let trust = Command::new(bin)
        .arg("--data")
        .arg(data)
        .args(["key", "export", "--public"])
        .output()
        .expect("mandate runs");
    assert!(trust.status.success(), "key export: {}", String::from_utf8_lossy(&trust.stderr));
    let trust_file = bundle.with_extension("trust.txt");
    std::fs::write(&trust_file, &trust.stdout).expect("the trust file is written");
    let out = Command::new(bin)
        .arg("verify-bundle")
        .arg(bundle)
        .arg("--trust")
        .arg(&trust_file)
        .output()
        .expect("mandate runs");
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{said}{}", String::from_utf8_lossy(&out.stderr));
    said
}
