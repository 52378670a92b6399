//! The verification report: one line per check, naming the artefact and the check.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pass,
    Fail,
    /// Informational: e.g. pinned constants differ from the tool's built-in list.
    Warn,
    /// The check could not run because an earlier one failed.
    Skipped,
    /// No evidence was supplied (timing): reported, not failed (§4.7 step 4).
    NoEvidence,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub artefact: &'static str,
    pub check: &'static str,
    pub status: Status,
    pub zh: String,
    pub en: String,
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tag = match self.status {
            Status::Pass => "通过 PASS",
            Status::Fail => "失败 FAIL",
            Status::Warn => "注意 WARN",
            Status::Skipped => "跳过 SKIP",
            Status::NoEvidence => "无证据 NO-EVIDENCE",
        };
        write!(
            f,
            "[{tag}] {} · {}：{} / {}",
            self.artefact, self.check, self.zh, self.en
        )
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub checks: Vec<Check>,
    /// Counts, cut-offs and hashes (§4.7 step 7), one bilingual line each.
    pub summary: Vec<String>,
}

impl Report {
    pub fn push(
        &mut self,
        artefact: &'static str,
        check: &'static str,
        status: Status,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) {
        self.checks.push(Check {
            artefact,
            check,
            status,
            zh: zh.into(),
            en: en.into(),
        });
    }

    /// True when no check failed (warnings, skips and absent evidence do not fail).
    pub fn passed(&self) -> bool {
        !self.checks.iter().any(|c| c.status == Status::Fail)
    }

    pub fn failures(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| c.status == Status::Fail)
    }

    pub fn first_failure(&self) -> Option<&Check> {
        self.failures().next()
    }

    pub fn status_of(&self, artefact: &str, check: &str) -> Option<Status> {
        self.checks
            .iter()
            .find(|c| c.artefact == artefact && c.check == check)
            .map(|c| c.status)
    }

    pub fn to_text(&self) -> String {
        let mut s = String::new();
        for c in &self.checks {
            s.push_str(&c.to_string());
            s.push('\n');
        }
        for l in &self.summary {
            s.push_str(l);
            s.push('\n');
        }
        s.push_str(if self.passed() {
            "结论：核验通过 / verdict: verified\n"
        } else {
            "结论：核验失败 / verdict: FAILED\n"
        });
        s
    }
}
