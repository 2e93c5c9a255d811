//! A real Chromium, headless, driven through Debian's `chromedriver` over WebDriver (fantoccini):
//! what an inspector's browser does with the pages, with screenshots and the console's errors.
//!
//! `chromedriver` is found from `CHROMEDRIVER`, then `/usr/bin/chromedriver`, then `PATH`;
//! Chromium from `CHROMIUM`, then `/usr/bin/chromium`. `cargo xtask test` installs Debian's
//! `chromium` and `chromium-driver` when they are missing.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

fn program(variable: &str, debian: &str, name: &str) -> PathBuf {
    if let Some(path) = std::env::var_os(variable) {
        return PathBuf::from(path);
    }
    if Path::new(debian).exists() {
        return PathBuf::from(debian);
    }
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|dir| dir.join(name))
        .find(|p| p.exists())
        .unwrap_or_else(|| {
            panic!(
                "{name} is missing: install Debian's chromium and chromium-driver \
                 (`cargo xtask test` does), or set {variable}"
            )
        })
}

/// The browser's log since the last read (chromedriver's `se/log`; W3C WebDriver has none).
#[derive(Debug)]
struct BrowserLog;

impl fantoccini::wd::WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(json!({"type": "browser"}).to_string()))
    }
}

/// A headless Chromium session. The driver is killed when dropped.
pub struct Browser {
    driver: Child,
    client: Option<Client>,
    runtime: tokio::runtime::Runtime,
    shots: PathBuf,
    downloads: tempfile::TempDir,
}

impl Browser {
    /// Starts chromedriver on an ephemeral loopback port and a 1280×900 headless Chromium;
    /// screenshots go to `shots`.
    pub fn start(shots: &Path) -> Self {
        std::fs::create_dir_all(shots).expect("the screenshots' directory");
        let mut driver =
            Command::new(program("CHROMEDRIVER", "/usr/bin/chromedriver", "chromedriver"))
                .arg("--port=0")
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("chromedriver starts");
        let stdout = driver.stdout.take().expect("chromedriver's stdout");
        let mut lines = BufReader::new(stdout).lines();
        let port = loop {
            let line = lines.next().and_then(Result::ok).expect("chromedriver says its port");
            if let Some(rest) = line.split("started successfully on port ").nth(1) {
                break rest.trim_end_matches('.').trim().parse::<u16>().expect("a port");
            }
        };
        // Keep draining the driver's stdout so that it never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        let chromium = program("CHROMIUM", "/usr/bin/chromium", "chromium");
        let downloads = tempfile::tempdir().expect("a downloads directory");
        let capabilities = json!({
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--window-size=1280,900", "--lang=vi",
                ],
                "prefs": {
                    "download.default_directory": downloads.path(),
                    "download.prompt_for_download": false,
                },
            },
            "goog:loggingPrefs": {"browser": "ALL"},
        });
        let runtime =
            tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
        let client = runtime
            .block_on(async {
                let mut builder =
                    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
                if let Value::Object(map) = capabilities {
                    builder.capabilities(map);
                }
                builder.connect(&format!("http://127.0.0.1:{port}")).await
            })
            .expect("a Chromium session");
        Self { driver, client: Some(client), runtime, shots: shots.to_owned(), downloads }
    }

    fn client(&self) -> &Client {
        self.client.as_ref().expect("an open session")
    }

    /// Opens `url` and waits for its load.
    pub fn goto(&self, url: &str) {
        self.runtime.block_on(self.client().goto(url)).unwrap_or_else(|e| panic!("{url}: {e}"));
    }

    /// The address now shown.
    pub fn url(&self) -> String {
        self.runtime.block_on(self.client().current_url()).expect("the current URL").to_string()
    }

    /// The rendered text of the first element `css` matches (as the reader sees it).
    pub fn text(&self, css: &str) -> String {
        self.runtime
            .block_on(async { self.client().find(Locator::Css(css)).await?.text().await })
            .unwrap_or_else(|e| panic!("{css} on {}: {e}", self.url()))
    }

    /// How many elements `css` matches.
    pub fn count(&self, css: &str) -> usize {
        self.runtime
            .block_on(self.client().find_all(Locator::Css(css)))
            .map(|all| all.len())
            .unwrap_or_else(|e| panic!("{css}: {e}"))
    }

    /// An attribute of the first element `css` matches.
    pub fn attr(&self, css: &str, name: &str) -> Option<String> {
        self.runtime
            .block_on(async { self.client().find(Locator::Css(css)).await?.attr(name).await })
            .unwrap_or_else(|e| panic!("{css}: {e}"))
    }

    /// Clicks the first element `css` matches, as a mouse does, and waits for the page it opens.
    pub fn click(&self, css: &str) {
        self.mark_page();
        self.click_in_place(css);
        self.await_new_page(css);
    }

    /// Clicks the first element `css` matches when the click opens no page (a download).
    pub fn click_in_place(&self, css: &str) {
        self.runtime
            .block_on(async { self.client().find(Locator::Css(css)).await?.click().await })
            .unwrap_or_else(|e| panic!("click {css} on {}: {e}", self.url()));
    }

    /// Clicks the link whose text is `text` and waits for the page it opens.
    pub fn click_link(&self, text: &str) {
        self.mark_page();
        self.runtime
            .block_on(async { self.client().find(Locator::LinkText(text)).await?.click().await })
            .unwrap_or_else(|e| panic!("click the link {text:?} on {}: {e}", self.url()));
        self.await_new_page(text);
    }

    /// Marks the document now shown, so that [`Browser::await_new_page`] can tell it from the
    /// next (a click may return before the navigation it starts has ended).
    fn mark_page(&self) {
        self.script("window.__mandateOldPage = true; return null");
    }

    /// Waits (up to 10 s) until a document other than the marked one has loaded completely.
    fn await_new_page(&self, what: &str) {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let probe = "return window.__mandateOldPage === true ? 'old' : document.readyState";
        loop {
            // A script may fail while the browser swaps documents: that is "not yet".
            let state = self.runtime.block_on(self.client().execute(probe, vec![]));
            if state.is_ok_and(|s| s == "complete") {
                return;
            }
            assert!(std::time::Instant::now() < deadline, "{what} opened no new page");
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// Types `value` into the field `css`, replacing what was there.
    pub fn fill(&self, css: &str, value: &str) {
        self.runtime
            .block_on(async {
                let field = self.client().find(Locator::Css(css)).await?;
                field.clear().await?;
                field.send_keys(value).await
            })
            .unwrap_or_else(|e| panic!("fill {css}: {e}"));
    }

    /// Presses a key (a WebDriver key code such as `"\u{E007}"`, Enter) in the field `css`.
    pub fn press(&self, css: &str, key: &str) {
        self.runtime
            .block_on(async { self.client().find(Locator::Css(css)).await?.send_keys(key).await })
            .unwrap_or_else(|e| panic!("{key:?} into {css}: {e}"));
    }

    /// Runs `script` in the page and returns its value.
    pub fn script(&self, script: &str) -> Value {
        self.runtime
            .block_on(self.client().execute(script, vec![]))
            .unwrap_or_else(|e| panic!("script on {}: {e}", self.url()))
    }

    /// Runs `script` with `args` (its `arguments`), returning what it returns.
    pub fn script_with(&self, script: &str, args: Vec<Value>) -> Value {
        self.runtime
            .block_on(self.client().execute(script, args))
            .unwrap_or_else(|e| panic!("script on {}: {e}", self.url()))
    }

    /// Runs `script` with `args` and a callback as its last argument; returns what the script
    /// passes to the callback (for promises: `f().then(arguments[arguments.length - 1])`).
    pub fn script_async(&self, script: &str, args: Vec<Value>) -> Value {
        self.runtime
            .block_on(self.client().execute_async(script, args))
            .unwrap_or_else(|e| panic!("async script on {}: {e}", self.url()))
    }

    /// Chooses the file at `path` in the file input `css`, as a person picking it does.
    pub fn upload(&self, css: &str, path: &Path) {
        // chromedriver takes only canonical paths.
        let path =
            std::fs::canonicalize(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let path = path.to_str().expect("a UTF-8 path").to_owned();
        self.runtime
            .block_on(async {
                let field = self.client().find(Locator::Css(css)).await?;
                field.send_keys(&path).await
            })
            .unwrap_or_else(|e| panic!("upload {css}: {e}"));
    }

    /// Waits (up to 10 s) until `css` matches something.
    pub fn wait_for(&self, css: &str) {
        self.runtime
            .block_on(async {
                tokio::time::timeout(
                    Duration::from_secs(10),
                    self.client().wait().for_element(Locator::Css(css)),
                )
                .await
            })
            .unwrap_or_else(|_| panic!("{css} never appeared on {}", self.url()))
            .unwrap_or_else(|e| panic!("{css}: {e}"));
    }

    /// Saves a PNG of the window as `NAME.png` in the screenshots' directory; returns its path.
    pub fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.runtime.block_on(self.client().screenshot()).expect("a screenshot");
        assert!(png.starts_with(b"\x89PNG"), "a screenshot is a PNG");
        let path = self.shots.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("the screenshot is written");
        path
    }

    /// Waits (up to 30 s) for the browser to finish a download; returns the file's path.
    pub fn downloaded(&self) -> PathBuf {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            let files: Vec<PathBuf> = std::fs::read_dir(self.downloads.path())
                .expect("the downloads directory")
                .filter_map(|e| e.ok().map(|e| e.path()))
                .collect();
            // Chromium writes a download as `.org.chromium.Chromium.XXXXXX` or `NAME.crdownload`
            // and renames it when done.
            let partial = files.iter().any(|f| {
                f.extension().is_some_and(|x| x == "crdownload")
                    || f.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.'))
            });
            if let (false, Some(done)) = (partial, files.first()) {
                return done.clone();
            }
            assert!(std::time::Instant::now() < deadline, "nothing was downloaded");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Sets the window's size (a phone's width, say).
    pub fn resize(&self, width: u32, height: u32) {
        self.runtime
            .block_on(self.client().set_window_size(width, height))
            .expect("the window resizes");
    }

    /// The console's errors (level SEVERE: script errors, failed loads, CSP refusals) logged
    /// since the last call.
    pub fn console_errors(&self) -> Vec<String> {
        let log = self.runtime.block_on(self.client().issue_cmd(BrowserLog)).expect("the log");
        log.as_array()
            .into_iter()
            .flatten()
            .filter(|entry| entry["level"] == "SEVERE")
            .map(|entry| entry["message"].as_str().unwrap_or_default().to_owned())
            .collect()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            let _ = self.runtime.block_on(client.close());
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
