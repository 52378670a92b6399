//! Cardinal's settings file (INI). `prepare` reads `[defaults]`, `[redactions]`,
//! `[corrections]`, `[modifications]` and `[codelists.bid_status|award_status]`; the indicator
//! sections are kept as raw key/value pairs for the screening step. Unknown sections and
//! unknown keys in the sections `prepare` reads are refused, as the reference refuses them.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

/// One problem in the settings file, in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsError {
    pub line: usize,
    pub zh: String,
    pub en: String,
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "设置文件第 {} 行：{} / settings line {}: {}",
            self.line, self.zh, self.line, self.en
        )
    }
}

impl std::error::Error for SettingsError {}

/// The sections of a settings file, in file order, with their keys (case kept).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ini {
    /// Section name ("" for keys before the first header) → key → value.
    pub sections: BTreeMap<String, BTreeMap<String, String>>,
}

impl Ini {
    pub fn parse(text: &str) -> Result<Ini, SettingsError> {
        let mut ini = Ini::default();
        let mut section = String::new();
        ini.sections.insert(String::new(), BTreeMap::new());
        for (n, raw) in text.lines().enumerate() {
            let line = raw.trim();
            let line_no = n + 1;
            if line.is_empty() || line.starts_with(';') || line.starts_with('#') {
                continue;
            }
            if let Some(rest) = line.strip_prefix('[') {
                let Some(name) = rest.strip_suffix(']') else {
                    return Err(SettingsError {
                        line: line_no,
                        zh: format!("节标题“{line}”缺少“]”"),
                        en: format!("section header '{line}' lacks ']'"),
                    });
                };
                section = name.trim().to_owned();
                ini.sections.entry(section.clone()).or_default();
                continue;
            }
            let Some((k, v)) = line.split_once(['=', ':']) else {
                return Err(SettingsError {
                    line: line_no,
                    zh: format!("“{line}”不是“键 = 值”"),
                    en: format!("'{line}' is not 'key = value'"),
                });
            };
            ini.sections
                .entry(section.clone())
                .or_default()
                .insert(k.trim().to_owned(), unquote(v.trim()));
        }
        Ok(ini)
    }

    pub fn section(&self, name: &str) -> Option<&BTreeMap<String, String>> {
        self.sections.get(name)
    }
}

fn unquote(v: &str) -> String {
    for q in ['"', '\''] {
        if v.len() >= 2 && v.starts_with(q) && v.ends_with(q) {
            return v[1..v.len() - 1].to_owned();
        }
    }
    v.to_owned()
}

/// What `prepare` needs, typed. Absent settings leave the data as found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PrepareSettings {
    pub currency: Option<String>,
    pub item_classification_scheme: Option<String>,
    pub bid_status: Option<String>,
    pub award_status: Option<String>,
    pub party_roles: bool,
    /// Sorted; an amount equal to one of them is removed.
    pub redact_amounts: Vec<f64>,
    pub redact_organization_ids: Vec<String>,
    pub award_status_by_contract_status: bool,
    pub move_auctions: bool,
    pub prefix_buyer_or_procuring_entity_id: String,
    pub prefix_tenderer_or_supplier_id: String,
    pub split_procurement_method_details: Option<String>,
    pub bid_status_codes: HashMap<String, String>,
    pub award_status_codes: HashMap<String, String>,
}

/// The whole settings file: typed for `prepare`, raw for everything else.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Settings {
    pub prepare: PrepareSettings,
    pub ini: Ini,
}

const INDICATORS: &[&str] = &[
    "R003", "R018", "R024", "R025", "R028", "R030", "R035", "R036", "R038", "R048", "R058",
];

fn known_keys(section: &str) -> Option<&'static [&'static str]> {
    Some(match section {
        "" => &[
            "currency",
            "no_price_comparison_procurement_methods",
            "price_comparison_procurement_methods",
        ],
        "output" => &["info_currency_mismatches"],
        "defaults" => &[
            "currency",
            "item_classification_scheme",
            "bid_status",
            "award_status",
            "party_roles",
        ],
        "redactions" => &["amount", "organization_id"],
        "corrections" => &["award_status_by_contract_status"],
        "modifications" => &[
            "move_auctions",
            "prefix_buyer_or_procuring_entity_id",
            "prefix_tenderer_or_supplier_id",
            "split_procurement_method_details",
        ],
        "exclusions" => &["procurement_method_details"],
        "R003" => &["threshold", "procurement_methods"],
        "R018" => &["procurement_methods"],
        "R024" | "R058" => &["threshold"],
        "R025" => &["percentile", "threshold"],
        "R028" | "R030" | "R036" => &[],
        "R035" => &["threshold"],
        "R038" => &[
            "threshold",
            "minimum_submitted_bids",
            "minimum_contracting_processes",
        ],
        "R048" => &["digits", "threshold", "minimum_contracting_processes"],
        _ => return None,
    })
}

/// `true`/`false` as the reference's configuration library reads them.
fn parse_bool(section: &str, key: &str, v: &str) -> Result<bool, SettingsError> {
    match v.to_ascii_lowercase().as_str() {
        "true" | "1" | "on" | "yes" => Ok(true),
        "false" | "0" | "off" | "no" => Ok(false),
        _ => Err(SettingsError {
            line: 0,
            zh: format!("[{section}] {key} 应为 true 或 false，而不是“{v}”"),
            en: format!("[{section}] {key} must be true or false, not '{v}'"),
        }),
    }
}

fn pipe(v: &str) -> impl Iterator<Item = &str> {
    // An empty value means an empty list, and a trailing '|' adds nothing.
    v.split_terminator('|')
}

impl Settings {
    pub fn parse(text: &str) -> Result<Settings, SettingsError> {
        let ini = Ini::parse(text)?;
        for (name, keys) in &ini.sections {
            let allowed = if let Some(code) = name.strip_prefix("codelists.") {
                if code != "bid_status" && code != "award_status" {
                    return Err(unknown_section(name));
                }
                continue;
            } else if let Some(ind) = name.strip_suffix(".procurement_method_details") {
                if ind != "R003" {
                    return Err(unknown_section(name));
                }
                for (k, v) in keys {
                    if v.parse::<i64>().is_err() {
                        return Err(SettingsError {
                            line: 0,
                            zh: format!("[{name}] {k} 应为整数天数，而不是“{v}”"),
                            en: format!("[{name}] {k} must be a whole number of days, not '{v}'"),
                        });
                    }
                }
                continue;
            } else {
                known_keys(name).ok_or_else(|| unknown_section(name))?
            };
            if let Some(k) = keys.keys().find(|k| !allowed.contains(&k.as_str())) {
                return Err(SettingsError {
                    line: 0,
                    zh: format!("[{}] 中的未知设置“{k}”", display_section(name)),
                    en: format!("unknown setting '{k}' in [{}]", display_section(name)),
                });
            }
        }
        let get = |s: &str, k: &str| ini.section(s).and_then(|m| m.get(k)).cloned();
        let flag = |s: &str, k: &str| -> Result<bool, SettingsError> {
            get(s, k).map_or(Ok(false), |v| parse_bool(s, k, &v))
        };
        let mut redact_amounts: Vec<f64> = get("redactions", "amount")
            .unwrap_or_default()
            .split_terminator('|')
            .filter_map(|s| s.parse::<f64>().ok())
            .collect();
        redact_amounts.sort_by(f64::total_cmp);
        let codes = |s: &str| -> HashMap<String, String> {
            ini.section(s)
                .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default()
        };
        let prepare = PrepareSettings {
            currency: get("defaults", "currency"),
            item_classification_scheme: get("defaults", "item_classification_scheme"),
            bid_status: get("defaults", "bid_status"),
            award_status: get("defaults", "award_status"),
            party_roles: flag("defaults", "party_roles")?,
            redact_amounts,
            redact_organization_ids: pipe(
                &get("redactions", "organization_id").unwrap_or_default(),
            )
            .map(str::to_owned)
            .collect(),
            award_status_by_contract_status: flag(
                "corrections",
                "award_status_by_contract_status",
            )?,
            move_auctions: flag("modifications", "move_auctions")?,
            prefix_buyer_or_procuring_entity_id: get(
                "modifications",
                "prefix_buyer_or_procuring_entity_id",
            )
            .unwrap_or_default(),
            prefix_tenderer_or_supplier_id: get("modifications", "prefix_tenderer_or_supplier_id")
                .unwrap_or_default(),
            split_procurement_method_details: get(
                "modifications",
                "split_procurement_method_details",
            ),
            bid_status_codes: codes("codelists.bid_status"),
            award_status_codes: codes("codelists.award_status"),
        };
        Ok(Settings { prepare, ini })
    }

    /// The indicators the file enables (a section's presence enables it).
    pub fn enabled_indicators(&self) -> Vec<&'static str> {
        INDICATORS
            .iter()
            .copied()
            .filter(|i| self.ini.sections.contains_key(*i))
            .collect()
    }
}

fn display_section(name: &str) -> &str {
    if name.is_empty() { "(top)" } else { name }
}

fn unknown_section(name: &str) -> SettingsError {
    SettingsError {
        line: 0,
        zh: format!("未知的设置节 [{name}]"),
        en: format!("unknown settings section [{name}]"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_prepare_section() {
        let s = Settings::parse(
            "; comment\ncurrency = DOP\n[defaults]\ncurrency = USD\nparty_roles = true\n\
             [redactions]\namount = 99999999|0|x\norganization_id = 0|null\n\
             [modifications]\nsplit_procurement_method_details = -\nprefix_tenderer_or_supplier_id = DO-RPE-\n\
             [codelists.award_status]\nActive = active\n[R003]\n; threshold = 15\n",
        )
        .unwrap();
        let p = &s.prepare;
        assert_eq!(p.currency.as_deref(), Some("USD"));
        assert!(p.party_roles && !p.move_auctions);
        assert_eq!(p.redact_amounts, vec![0.0, 99999999.0]);
        assert_eq!(p.redact_organization_ids, ["0", "null"]);
        assert_eq!(p.split_procurement_method_details.as_deref(), Some("-"));
        assert_eq!(p.prefix_tenderer_or_supplier_id, "DO-RPE-");
        assert_eq!(p.award_status_codes["Active"], "active");
        assert_eq!(s.enabled_indicators(), ["R003"]);
        assert_eq!(s.ini.section("").unwrap()["currency"], "DOP");
    }

    #[test]
    fn refuses_unknown_sections_keys_and_bad_booleans() {
        assert!(Settings::parse("[default]\ncurrency = USD\n").is_err());
        assert!(Settings::parse("[defaults]\ncurency = USD\n").is_err());
        assert!(Settings::parse("[defaults]\nparty_roles = maybe\n").is_err());
        assert!(Settings::parse("[codelists.tender_status]\na = b\n").is_err());
        assert!(Settings::parse("[defaults\n").is_err());
        assert!(Settings::parse("[R003.procurement_method_details]\nemergency = ten\n").is_err());
    }
}
