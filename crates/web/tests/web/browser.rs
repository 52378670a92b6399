//! In a real browser: headless Chromium driven over WebDriver (chromedriver), against the real
//! server on port 0. Screenshots of each step land in `target/tmp/browser/` as test artefacts.
//!
//! Needs Debian's `chromium`, `chromium-driver` and `fonts-noto-cjk` (`.ci/run` installs them).
//! Without chromedriver the tests print SKIPPED, except under `CI=true`, where they fail.

use super::{PASSWORD, Server};
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A chromedriver process with one Chromium session in a fresh profile.
pub struct Browser {
    pub c: Client,
    driver: Child,
    _profile: tempfile::TempDir,
    shots: PathBuf,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn find(bin: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| PathBuf::from(d).join(bin))
        .find(|p| p.is_file())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts chromedriver and a headless Chromium, or `None` (SKIPPED) where they are missing
/// outside CI.
pub async fn browser(test: &str) -> Option<Browser> {
    let (Some(driver_bin), Some(chromium)) = (find("chromedriver"), find("chromium")) else {
        assert!(
            std::env::var("CI").is_err(),
            "CI=true but chromium/chromedriver are missing (install chromium chromium-driver fonts-noto-cjk)"
        );
        eprintln!("SKIPPED {test}: chromium or chromedriver not installed");
        return None;
    };
    let port = free_port();
    let driver = Command::new(driver_bin)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let profile = tempfile::tempdir().unwrap();
    let caps = serde_json::json!({
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update",
                "--no-first-run", "--window-size=1280,1000", "--lang=zh-CN",
                format!("--user-data-dir={}", profile.path().display()),
            ],
        }
    });
    let caps = match caps {
        serde_json::Value::Object(m) => m,
        _ => unreachable!(),
    };
    let url = format!("http://127.0.0.1:{port}");
    // chromedriver takes a moment to listen; retry the session for up to 20 s.
    let mut last = None;
    for _ in 0..80 {
        match ClientBuilder::new(HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(c) => {
                let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser");
                std::fs::create_dir_all(&shots).unwrap();
                return Some(Browser {
                    c,
                    driver,
                    _profile: profile,
                    shots,
                });
            }
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("no WebDriver session: {last:?}");
}

impl Browser {
    pub async fn goto(&self, s: &Server, path: &str) {
        self.c.goto(&s.url(path)).await.unwrap();
    }

    /// Saves a PNG of the page as `target/tmp/browser/<name>.png`.
    pub async fn shot(&self, name: &str) {
        let png = self.c.screenshot().await.unwrap();
        std::fs::write(self.shots.join(format!("{name}.png")), png).unwrap();
    }

    pub async fn text(&self, css: &str) -> String {
        self.c
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .text()
            .await
            .unwrap()
    }

    pub async fn body(&self) -> String {
        self.text("body").await
    }

    pub async fn path(&self) -> String {
        self.c.current_url().await.unwrap().path().to_owned()
    }

    /// Types into the sign-in form and presses its button.
    pub async fn fill_login(&self, s: &Server, username: &str, password: &str) {
        self.goto(s, "/login").await;
        let form = self.c.form(Locator::Css("form")).await.unwrap();
        form.set_by_name("username", username).await.unwrap();
        form.set_by_name("password", password).await.unwrap();
        self.click("form button[type=submit]").await;
    }

    /// Signs in through the form, as a person would, and waits to leave it.
    pub async fn sign_in(&self, s: &Server, username: &str) {
        self.fill_login(s, username, PASSWORD).await;
        self.wait_for(|p| p != "/login").await;
    }

    pub async fn click(&self, css: &str) {
        self.c
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .click()
            .await
            .unwrap();
    }

    /// Waits (up to 10 s) until the current path satisfies `ok`: clicks return before the
    /// next page has loaded.
    pub async fn wait_for(&self, ok: impl Fn(&str) -> bool) -> String {
        for _ in 0..100 {
            let p = self.path().await;
            if ok(&p) {
                return p;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("still at {} after 10 s", self.path().await);
    }

    /// Waits (up to 10 s) for an element to appear and returns its text.
    pub async fn wait_text(&self, css: &str) -> String {
        self.c
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .text()
            .await
            .unwrap()
    }

    /// The text of `css` once it contains `needle` (a form posted on the same path re-renders
    /// the page; until the new page arrives the old one's element is still there).
    pub async fn wait_text_containing(&self, css: &str, needle: &str) -> String {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let text = match self.c.find(Locator::Css(css)).await {
                Ok(e) => e.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if text.contains(needle) || std::time::Instant::now() > deadline {
                return text;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn close(self) {
        let c = self.c.clone();
        c.close().await.unwrap();
    }
}

#[tokio::test]
async fn sign_in_and_switch_language_in_chromium() {
    let Some(b) = browser("sign_in_and_switch_language_in_chromium").await else {
        return;
    };
    let s = super::start(qinglian_web::WebConfig::default()).await;
    b.goto(&s, "/").await;
    assert_eq!(
        b.path().await,
        "/login",
        "signed out: sent to the sign-in form"
    );
    b.shot("01-login").await;
    // A wrong password stays on the form with a message, in Chinese first.
    b.fill_login(&s, "xihu", "wrong").await;
    let err = b.wait_text("p.error").await;
    assert!(err.starts_with("用户名或密码"), "{err}");
    assert_eq!(b.path().await, "/login");
    b.shot("02-login-refused").await;

    b.sign_in(&s, "xihu").await;
    assert_eq!(b.path().await, "/");
    let zh = b.body().await;
    assert!(
        zh.contains("西湖纪委张三"),
        "signed in as the supervisor: {zh}"
    );
    b.shot("03-signed-in-zh").await;

    // The language switch on the page itself: English first, remembered across pages.
    b.click("header a.lang").await;
    let brand = b.wait_text("html[lang=en] header a.brand").await;
    assert!(brand.starts_with("Qinglian"), "{brand}");
    b.goto(&s, "/").await;
    let en = b.text("header a.brand").await;
    assert!(
        en.starts_with("Qinglian"),
        "English first after the switch: {en}"
    );
    b.shot("04-signed-in-en").await;
    b.close().await;
    s.stop().await;
}

/// The walk: a county supervisor drills from the overview's tile map to a village's
/// page, one hit's explanation, its clue's timeline with ledger proofs, reads it in English,
/// and cannot reach the other county's clue by editing the address.
#[tokio::test]
async fn drill_from_the_overview_to_a_hit_and_its_proof_in_chromium() {
    use qinglian_store::cockpit::fixture::{self, CLUES};
    let Some(b) = browser("drill_from_the_overview_to_a_hit_and_its_proof_in_chromium").await
    else {
        return;
    };
    let (store, dir) = super::sqlite_store().await;
    let ledger = qinglian_store::testing::test_ledger(&store).await;
    fixture::seed(&store, &ledger).await.unwrap();
    super::add_user(
        &store,
        "xihu",
        "西湖纪委",
        qinglian_core::Role::Supervisor,
        &["330106"],
        &[],
    )
    .await;
    let s = super::start_with(store, qinglian_web::WebConfig::default(), Some(dir)).await;
    let village = "330106001";
    let mine = CLUES
        .iter()
        .find(|c| fixture::division_of(fixture::unit_of(c.hit).unit) == village)
        .expect("a clue in the village");
    let theirs = CLUES
        .iter()
        .find(|c| !fixture::division_of(fixture::unit_of(c.hit).unit).starts_with("330106"))
        .expect("a clue in the other county");

    b.sign_in(&s, "xihu").await;
    b.shot("10-overview").await;
    // The tile of the village on the overview's map.
    b.click(&format!("a[href='/divisions/{village}']")).await;
    b.wait_for(|p| p == format!("/divisions/{village}")).await;
    b.shot("11-division").await;
    // One of the village's hits.
    b.click(&format!("a[href='/hits/{}']", mine.hit)).await;
    b.wait_for(|p| p.starts_with("/hits/")).await;
    let hit = b.body().await;
    assert!(hit.contains(fixture::unit_of(mine.hit).indicator), "{hit}");
    b.shot("12-hit").await;
    // Its clue, with every step's ledger index and a proof to download.
    b.click(&format!("a[href='/clues/{}']", mine.id)).await;
    b.wait_for(|p| p.starts_with("/clues/")).await;
    let proofs =
        b.c.find_all(Locator::Css("a[href$='/proof']"))
            .await
            .unwrap();
    assert!(!proofs.is_empty(), "each step links its ledger proof");
    b.shot("13-clue").await;
    // The same page in English.
    b.click("header a.lang").await;
    let brand = b.wait_text("html[lang=en] header a.brand").await;
    assert!(brand.starts_with("Qinglian"), "{brand}");
    b.shot("14-clue-en").await;
    // The other county's clue by editing the address: the same answer as a missing one.
    b.goto(&s, &format!("/clues/{}", theirs.id)).await;
    let other = b.body().await;
    b.goto(&s, "/clues/C-999999").await;
    let missing = b.body().await;
    assert_eq!(
        other, missing,
        "outside the jurisdiction looks exactly like missing"
    );
    assert!(
        other.contains("404") || other.contains("Not found"),
        "{other}"
    );
    b.shot("15-other-county").await;
    b.close().await;
    s.stop().await;
}

/// A handler triages a clue through the forms; after the finding and the order (by API), the
/// unit user files its rectification report with an attachment on its own page.
#[tokio::test]
async fn a_handler_triages_and_a_unit_files_its_report_in_chromium() {
    use super::reports::{call, start_writable, token};
    let test = "a_handler_triages_and_a_unit_files_its_report_in_chromium";
    let Some(b) = browser(test).await else {
        return;
    };
    let s = start_writable(qinglian_web::WebConfig::default()).await;
    s.store
        .upsert_hits(&[super::api_workflow::hit("a1b2c3d4e5f6")], 1_000)
        .await
        .unwrap();

    b.sign_in(&s, "xihu").await;
    // From the work queue's triage list to the hit, and a clue opened from it.
    b.goto(&s, "/work").await;
    b.shot("20-work").await;
    b.click("a[href='/hits/a1b2c3d4e5f6']").await;
    b.wait_for(|p| p == "/hits/a1b2c3d4e5f6").await;
    b.click("form[action='/hits/a1b2c3d4e5f6/clue'] button")
        .await;
    b.wait_for(|p| p == "/clues/C-1").await;
    assert!(b.wait_text("#flash").await.contains("C-1"));
    // Triage through the form: the handler and the responsible unit.
    let form =
        b.c.form(Locator::Css("form[action='/clues/C-1/move']"))
            .await
            .unwrap();
    form.set_by_name("handler", "xihu").await.unwrap();
    b.shot("21-triage-form").await;
    form.submit().await.unwrap();
    let flash = b.wait_text_containing("#flash", "分办").await;
    assert!(flash.contains("分办"), "{flash}");
    b.shot("22-triaged").await;

    // Disposal, finding, an item and the order through the API (the forms are tested above).
    let tok = token(&s.store, "xihu").await;
    for t in [
        serde_json::json!({"to": "verification", "note": "核实"}),
        serde_json::json!({"to": "confirmed", "note": "属实"}),
    ] {
        let (st, _) = call(
            &s,
            &tok,
            reqwest::Method::POST,
            "/api/v1/clues/C-1/transitions",
            Some(t),
        )
        .await;
        assert_eq!(st, reqwest::StatusCode::OK);
    }
    call(
        &s,
        &tok,
        reqwest::Method::POST,
        "/api/v1/rectifications",
        Some(serde_json::json!({"clue": "C-1", "text": "重新公开招租", "deadline": "2099-01-01"})),
    )
    .await;
    let (st, _) = call(
        &s,
        &tok,
        reqwest::Method::POST,
        "/api/v1/clues/C-1/transitions",
        Some(serde_json::json!({"to": "rectifying"})),
    )
    .await;
    assert_eq!(st, reqwest::StatusCode::OK);

    // The unit user files the report with an attachment.
    b.click("form[action='/logout'] button").await;
    b.wait_for(|p| p == "/login" || p == "/").await;
    b.sign_in(&s, "soe").await;
    b.click("a[href='/my-unit']").await;
    b.wait_for(|p| p == "/my-unit").await;
    let evidence = tempfile::tempdir().unwrap();
    let file = evidence.path().join("新租赁合同.pdf");
    std::fs::write(&file, b"%PDF-1.4 the new lease").unwrap();
    let css = "form[action='/my-unit/items/C-1/1/report']";
    let form = b.c.form(Locator::Css(css)).await.unwrap();
    form.set_by_name("note", "已重新公开招租").await.unwrap();
    b.c.find(Locator::Css(&format!("{css} input[type=file]")))
        .await
        .unwrap()
        .send_keys(&file.display().to_string())
        .await
        .unwrap();
    b.shot("23-report-form").await;
    form.submit().await.unwrap();
    let flash = b.wait_text_containing("#flash", "佐证文件").await;
    assert!(flash.contains("1 个佐证文件"), "{flash}");
    b.shot("24-reported").await;
    let items = s.store.clue_items("C-1").await.unwrap();
    assert_eq!(items[0].status, "reported");
    let stored = s
        .store
        .item_evidence(&qinglian_store::Principal::operator(), "C-1", 1)
        .await
        .unwrap();
    assert_eq!(
        (stored.len(), stored[0].name.as_str(), stored[0].stored),
        (1, "新租赁合同.pdf", true)
    );
    b.close().await;
    s.stop().await;
}
