//! A real `qinglian serve` on port 0 for the page tests, and signing in through its form.

use super::q;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};

/// The server process; killed when dropped.
pub(crate) struct Served {
    child: Child,
    pub base: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `qinglian serve` on the data directory and reads the address it prints.
pub(crate) fn serve(data: &Path) -> Served {
    let mut child = q(data)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    Served {
        child,
        base: format!("http://{addr}"),
    }
}

/// A browser-like client: keeps cookies, does not follow redirects (tests look at them).
pub(crate) fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The value of a hidden form field.
pub(crate) fn hidden(html: &str, name: &str) -> String {
    html.split(&format!(r#"name="{name}" value=""#))
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or_default()
        .to_owned()
}

/// Signs in through the form; returns the session's CSRF token.
pub(crate) async fn sign_in(c: &reqwest::Client, base: &str, user: &str, password: &str) -> String {
    let page = c.get(format!("{base}/login")).send().await.unwrap();
    let csrf = hidden(&page.text().await.unwrap(), "csrf");
    let res = c
        .post(format!("{base}/login"))
        .form(&[("username", user), ("password", password), ("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "sign-in of {user}");
    let home = c.get(format!("{base}/")).send().await.unwrap();
    hidden(&home.text().await.unwrap(), "csrf")
}

/// A new client signed in as `user`.
pub(crate) async fn signed_in(base: &str, user: &str, password: &str) -> reqwest::Client {
    let c = client();
    sign_in(&c, base, user, password).await;
    c
}
