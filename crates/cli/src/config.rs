//! One settings struct, resolved as flags > environment > `qinglian.toml` > defaults.
//!
//! Clap already applies flags over environment variables (every flag declares its `env`);
//! this module lays the TOML file and the defaults under them. [`SETTINGS`] documents every
//! setting once: the README table is checked against it by a test.

use anyhow::{Context, Result};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// One row of the settings table.
pub struct SettingDoc {
    pub key: &'static str,
    pub flag: &'static str,
    pub env: &'static str,
    pub default: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
}

pub const SETTINGS: &[SettingDoc] = &[
    SettingDoc {
        key: "data",
        flag: "--data DIR",
        env: "QINGLIAN_DATA",
        default: "./qinglian-data",
        zh: "数据目录（存储、数据湖、密钥）",
        en: "data directory (store, lake, keys)",
    },
    SettingDoc {
        key: "database_url",
        flag: "--database URL",
        env: "QINGLIAN_DATABASE_URL",
        default: "sqlite://<data>/qinglian.db",
        zh: "数据库地址：sqlite://… 或 postgres://…（密码不会被打印）",
        en: "database URL: sqlite://… or postgres://… (passwords are never printed)",
    },
    SettingDoc {
        key: "(none)",
        flag: "--config FILE",
        env: "QINGLIAN_CONFIG",
        default: "<data>/qinglian.toml",
        zh: "配置文件",
        en: "configuration file",
    },
    SettingDoc {
        key: "bind",
        flag: "serve --bind ADDR",
        env: "QINGLIAN_BIND",
        default: "127.0.0.1:8080",
        zh: "服务监听地址",
        en: "address the server listens on",
    },
    SettingDoc {
        key: "public_url",
        flag: "serve --public-url URL",
        env: "QINGLIAN_PUBLIC_URL",
        default: "(none)",
        zh: "对外访问地址；以 https 开头时 Cookie 带 Secure 并发送 HSTS",
        en: "public address; when https, cookies are Secure and HSTS is sent",
    },
    SettingDoc {
        key: "session_hours",
        flag: "serve --session-hours N",
        env: "QINGLIAN_SESSION_HOURS",
        default: "12",
        zh: "登录会话有效期（小时）",
        en: "browser session lifetime (hours)",
    },
    SettingDoc {
        key: "login_max_failures",
        flag: "serve --login-max-failures N",
        env: "QINGLIAN_LOGIN_MAX_FAILURES",
        default: "5",
        zh: "限流窗口内允许的登录失败次数（按用户名和 IP）",
        en: "failed logins allowed per window (per username and per IP)",
    },
    SettingDoc {
        key: "login_window_minutes",
        flag: "serve --login-window-minutes N",
        env: "QINGLIAN_LOGIN_WINDOW_MINUTES",
        default: "15",
        zh: "登录限流窗口（分钟）",
        en: "login throttling window (minutes)",
    },
    SettingDoc {
        key: "reports_per_hour",
        flag: "serve --reports-per-hour N",
        env: "QINGLIAN_REPORTS_PER_HOUR",
        default: "5",
        zh: "每个 IP 每小时可提交的群众举报数",
        en: "citizen reports accepted per IP per hour",
    },
    SettingDoc {
        key: "report_max_mib",
        flag: "serve --report-max-mib N",
        env: "QINGLIAN_REPORT_MAX_MIB",
        default: "5",
        zh: "一份群众举报（含附件）的大小上限（MiB）",
        en: "size limit of one citizen report with its attachments (MiB)",
    },
    SettingDoc {
        key: "evidence_max_mib",
        flag: "serve --evidence-max-mib N",
        env: "QINGLIAN_EVIDENCE_MAX_MIB",
        default: "20",
        zh: "一次整改报告上传的佐证材料大小上限（MiB）",
        en: "size limit of one rectification report with its evidence files (MiB)",
    },
    SettingDoc {
        key: "import_max_mib",
        flag: "serve --import-max-mib N",
        env: "QINGLIAN_IMPORT_MAX_MIB",
        default: "100",
        zh: "导入页面上传文件的大小上限（MiB）",
        en: "size limit of a file uploaded on the import page (MiB)",
    },
    SettingDoc {
        key: "max_errors",
        flag: "import --max-errors N",
        env: "QINGLIAN_MAX_ERRORS",
        default: "100",
        zh: "导入时列出的最多错误数，其余只计数",
        en: "import errors listed before the rest are only counted",
    },
    SettingDoc {
        key: "ledger_origin",
        flag: "init --origin NAME",
        env: "QINGLIAN_LEDGER_ORIGIN",
        default: "qinglian.local/ledger/v1",
        zh: "账本的来源标识（C2SP origin），仅在创建账本时使用，之后以账本中记录的为准",
        en: "the ledger's C2SP origin; used only when the ledger is created, the recorded one wins afterwards",
    },
    SettingDoc {
        key: "ledger_key",
        flag: "--ledger-key FILE",
        env: "QINGLIAN_LEDGER_KEY",
        default: "<data>/keys/ledger.skey",
        zh: "账本签名私钥文件（权限 0600，从不打印）",
        en: "ledger signing key file (mode 0600, never printed)",
    },
    SettingDoc {
        key: "(none)",
        flag: "--indicators DIR",
        env: "QINGLIAN_INDICATORS",
        default: "(none)",
        zh: "自定义指标目录，与内置指标合并（参数覆盖见 <data>/overrides.toml）",
        en: "directory of your own indicators, added to the shipped ones (parameter overrides: <data>/overrides.toml)",
    },
    SettingDoc {
        key: "cooldown_days",
        flag: "clues item verify --cooldown-days N",
        env: "QINGLIAN_COOLDOWN_DAYS",
        default: "30",
        zh: "销号冷却期（天）：关联指标在此期间内对该主体有过命中则不能核查为已整改",
        en: "closure cool-down (days): an item's indicator must not have fired for its subject within it",
    },
    SettingDoc {
        key: "escalation_days",
        flag: "jobs run --escalation-days N",
        env: "QINGLIAN_ESCALATION_DAYS",
        default: "7",
        zh: "逾期线索升级后仍逾期，再次升级的间隔（天）",
        en: "days before a still-overdue clue is escalated again",
    },
    SettingDoc {
        key: "screen_every_days",
        flag: "jobs run --screen-every-days N",
        env: "QINGLIAN_SCREEN_EVERY_DAYS",
        default: "7",
        zh: "常态排查间隔（天）：后台任务按此间隔用全部指标排查数据湖，0 表示不自动排查",
        en: "routine screening interval (days): the jobs screen the lake with every indicator this often; 0 turns it off",
    },
    SettingDoc {
        key: "log",
        flag: "--log FILTER",
        env: "QINGLIAN_LOG",
        default: "warn",
        zh: "日志级别（tracing 过滤器语法）",
        en: "log filter (tracing EnvFilter syntax)",
    },
];

/// The optional TOML file. Unknown keys are refused, so a typo does not silently do nothing.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub data: Option<PathBuf>,
    pub database_url: Option<String>,
    pub bind: Option<String>,
    pub public_url: Option<String>,
    pub session_hours: Option<i64>,
    pub login_max_failures: Option<u32>,
    pub login_window_minutes: Option<i64>,
    pub reports_per_hour: Option<u32>,
    pub report_max_mib: Option<usize>,
    pub evidence_max_mib: Option<usize>,
    pub import_max_mib: Option<usize>,
    pub max_errors: Option<usize>,
    pub log: Option<String>,
    pub ledger_origin: Option<String>,
    pub ledger_key: Option<PathBuf>,
    pub cooldown_days: Option<i64>,
    pub escalation_days: Option<i64>,
    pub screen_every_days: Option<i64>,
}

/// Values from flags or environment (clap merged those two already).
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub data: Option<PathBuf>,
    pub database_url: Option<String>,
    pub config: Option<PathBuf>,
    pub bind: Option<String>,
    pub public_url: Option<String>,
    pub session_hours: Option<i64>,
    pub login_max_failures: Option<u32>,
    pub login_window_minutes: Option<i64>,
    pub reports_per_hour: Option<u32>,
    pub report_max_mib: Option<usize>,
    pub evidence_max_mib: Option<usize>,
    pub import_max_mib: Option<usize>,
    pub max_errors: Option<usize>,
    pub log: Option<String>,
    pub ledger_origin: Option<String>,
    pub ledger_key: Option<PathBuf>,
    pub cooldown_days: Option<i64>,
    pub escalation_days: Option<i64>,
    pub screen_every_days: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub data: PathBuf,
    pub database_url: String,
    pub config_file: PathBuf,
    pub config_loaded: bool,
    pub bind: String,
    pub public_url: Option<String>,
    pub session_hours: i64,
    pub login_max_failures: u32,
    pub login_window_minutes: i64,
    pub reports_per_hour: u32,
    pub report_max_mib: usize,
    pub evidence_max_mib: usize,
    pub import_max_mib: usize,
    pub max_errors: usize,
    pub log: String,
    pub ledger_origin: String,
    pub ledger_key: PathBuf,
    pub cooldown_days: i64,
    pub escalation_days: i64,
    pub screen_every_days: i64,
}

impl Settings {
    pub fn resolve(o: &Overrides) -> Result<Settings> {
        let data_guess = o
            .data
            .clone()
            .unwrap_or_else(|| PathBuf::from("./qinglian-data"));
        let config_file = o
            .config
            .clone()
            .unwrap_or_else(|| data_guess.join("qinglian.toml"));
        let (file, loaded) = match std::fs::read_to_string(&config_file) {
            Ok(text) => (
                toml::from_str::<FileConfig>(&text).with_context(|| {
                    format!(
                        "配置文件 {0} 有误 / invalid configuration file {0}",
                        config_file.display()
                    )
                })?,
                true,
            ),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && o.config.is_none() => {
                (FileConfig::default(), false)
            }
            Err(e) => {
                return Err(e).with_context(|| {
                    format!(
                        "无法读取配置文件 {0} / cannot read configuration file {0}",
                        config_file.display()
                    )
                });
            }
        };
        let data = o
            .data
            .clone()
            .or(file.data)
            .unwrap_or_else(|| PathBuf::from("./qinglian-data"));
        let database_url = o
            .database_url
            .clone()
            .or(file.database_url)
            .unwrap_or_else(|| default_db_url(&data));
        Ok(Settings {
            database_url,
            config_file,
            config_loaded: loaded,
            bind: o
                .bind
                .clone()
                .or(file.bind)
                .unwrap_or_else(|| "127.0.0.1:8080".into()),
            public_url: o.public_url.clone().or(file.public_url),
            session_hours: o.session_hours.or(file.session_hours).unwrap_or(12),
            login_max_failures: o
                .login_max_failures
                .or(file.login_max_failures)
                .unwrap_or(5),
            login_window_minutes: o
                .login_window_minutes
                .or(file.login_window_minutes)
                .unwrap_or(15),
            reports_per_hour: o.reports_per_hour.or(file.reports_per_hour).unwrap_or(5),
            report_max_mib: o.report_max_mib.or(file.report_max_mib).unwrap_or(5),
            evidence_max_mib: o.evidence_max_mib.or(file.evidence_max_mib).unwrap_or(20),
            import_max_mib: o.import_max_mib.or(file.import_max_mib).unwrap_or(100),
            max_errors: o.max_errors.or(file.max_errors).unwrap_or(100),
            log: o.log.clone().or(file.log).unwrap_or_else(|| "warn".into()),
            ledger_origin: o
                .ledger_origin
                .clone()
                .or(file.ledger_origin)
                .unwrap_or_else(|| "qinglian.local/ledger/v1".into()),
            cooldown_days: o.cooldown_days.or(file.cooldown_days).unwrap_or(30),
            escalation_days: o.escalation_days.or(file.escalation_days).unwrap_or(7),
            screen_every_days: o.screen_every_days.or(file.screen_every_days).unwrap_or(7),
            ledger_key: o
                .ledger_key
                .clone()
                .or(file.ledger_key)
                .unwrap_or_else(|| data.join("keys").join("ledger.skey")),
            data,
        })
    }

    pub fn lake_dir(&self) -> PathBuf {
        self.data.join("lake")
    }

    /// Effective settings for display, with the database password hidden.
    pub fn display_rows(&self) -> Vec<(&'static str, String)> {
        vec![
            ("data", self.data.display().to_string()),
            (
                "database_url",
                qinglian_store::redact_url(&self.database_url),
            ),
            (
                "config",
                format!(
                    "{}{}",
                    self.config_file.display(),
                    if self.config_loaded {
                        ""
                    } else {
                        " (不存在 / absent)"
                    }
                ),
            ),
            ("bind", self.bind.clone()),
            ("public_url", self.public_url.clone().unwrap_or_default()),
            ("session_hours", self.session_hours.to_string()),
            ("login_max_failures", self.login_max_failures.to_string()),
            (
                "login_window_minutes",
                self.login_window_minutes.to_string(),
            ),
            ("reports_per_hour", self.reports_per_hour.to_string()),
            ("report_max_mib", self.report_max_mib.to_string()),
            ("evidence_max_mib", self.evidence_max_mib.to_string()),
            ("import_max_mib", self.import_max_mib.to_string()),
            ("max_errors", self.max_errors.to_string()),
            ("log", self.log.clone()),
            ("ledger_origin", self.ledger_origin.clone()),
            ("ledger_key", self.ledger_key.display().to_string()),
            ("cooldown_days", self.cooldown_days.to_string()),
            ("escalation_days", self.escalation_days.to_string()),
            ("screen_every_days", self.screen_every_days.to_string()),
        ]
    }
}

pub fn default_db_url(data: &Path) -> String {
    format!("sqlite://{}", data.join("qinglian.db").display())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precedence_flags_over_file_over_defaults() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("qinglian.toml"),
            "bind = \"0.0.0.0:9000\"\nmax_errors = 7\nsession_hours = 3\n",
        )
        .unwrap();
        let o = Overrides {
            data: Some(dir.path().into()),
            session_hours: Some(1),
            ..Default::default()
        };
        let s = Settings::resolve(&o).unwrap();
        assert!(s.config_loaded);
        assert_eq!(s.bind, "0.0.0.0:9000", "file over default");
        assert_eq!(s.max_errors, 7);
        assert_eq!(s.session_hours, 1, "flag/env over file");
        assert_eq!(s.login_max_failures, 5, "default");
        assert_eq!(s.database_url, default_db_url(dir.path()));
    }

    #[test]
    fn unknown_keys_and_missing_explicit_file_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("x.toml");
        std::fs::write(&f, "bnid = 1\n").unwrap();
        let o = Overrides {
            config: Some(f),
            ..Default::default()
        };
        assert!(format!("{:#}", Settings::resolve(&o).unwrap_err()).contains("unknown field"));
        let o = Overrides {
            config: Some(dir.path().join("missing.toml")),
            ..Default::default()
        };
        assert!(Settings::resolve(&o).is_err());
    }

    #[test]
    fn passwords_are_not_displayed() {
        let o = Overrides {
            database_url: Some("postgres://u:hunter2@h/db".into()),
            ..Default::default()
        };
        let s = Settings::resolve(&o).unwrap();
        assert!(!format!("{:?}", s.display_rows()).contains("hunter2"));
    }

    #[test]
    fn readme_documents_every_setting() {
        let readme = include_str!("../../../README.md");
        for s in SETTINGS {
            let row = readme
                .lines()
                .find(|l| l.starts_with('|') && l.contains(&format!("`{}`", s.env)));
            let row = row.unwrap_or_else(|| panic!("README settings table lacks {}", s.env));
            assert!(
                row.contains(s.flag) && row.contains(s.key) && row.contains(s.default),
                "README row for {}: {row}",
                s.env
            );
        }
    }
}
