//! `prepare`: the corrections OCDS Cardinal's `prepare` makes so that the indicators see
//! usable data, and the quality issues it reports, row for row.
//!
//! Always: organisation ids (parties, buyer, procuring entity, tenderers, suppliers) and award
//! ids that are JSON numbers become strings, as do award item classification ids; a single
//! tenderer or supplier object becomes a one-element array. With settings: defaults fill unset
//! bid currencies, item classification schemes, bid and award statuses and party roles;
//! redactions drop placeholder bid amounts and organisation ids; codelists remap statuses;
//! corrections cancel awards whose contracts are all cancelled; modifications move auction
//! bids, prefix organisation ids and cut procurement method details at a separator.
//!
//! Issues (CSV rows): line, ocid, path, array index (`j` or `j.k`), incorrect value,
//! description (`not set`, `invalid`, `is zero`). Lines that are not a JSON object are skipped,
//! as the reference skips them, and are reported too (description `invalid JSON`,
//! `invalid UTF-8` or `not a JSON object`, path empty), so no problem goes unlisted.

use crate::json::{self, Map, Value};
use crate::read::RawLine;
use crate::settings::PrepareSettings;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

/// The bid statuses of the OCDS bids extension.
pub const BID_STATUS: &[&str] = &["invited", "pending", "valid", "disqualified", "withdrawn"];
/// The OCDS 1.1 award statuses.
pub const AWARD_STATUS: &[&str] = &["pending", "active", "cancelled", "unsuccessful"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub line: u64,
    pub ocid: String,
    pub path: &'static str,
    pub index: String,
    pub value: String,
    pub description: &'static str,
}

impl Issue {
    pub fn record(&self) -> [String; 6] {
        [
            self.line.to_string(),
            self.ocid.clone(),
            self.path.to_owned(),
            self.index.clone(),
            self.value.clone(),
            self.description.to_owned(),
        ]
    }

    /// Whether the line was dropped (not JSON, not an object) rather than corrected.
    pub fn is_skipped_line(&self) -> bool {
        self.path.is_empty()
    }
}

/// One input line after `prepare`: the corrected release (none if the line was skipped) and
/// its issues.
#[derive(Debug, Clone)]
pub struct PreparedLine<'a> {
    pub no: u64,
    pub release: Option<Map<'a>>,
    pub issues: Vec<Issue>,
}

fn skipped(no: u64, description: &'static str) -> PreparedLine<'static> {
    PreparedLine {
        no,
        release: None,
        issues: vec![Issue {
            line: no,
            ocid: String::new(),
            path: "",
            index: String::new(),
            value: String::new(),
            description,
        }],
    }
}

/// Parses and prepares one line. Blank lines are skipped silently.
pub fn prepare_line<'a>(line: &'a RawLine, s: &PrepareSettings) -> PreparedLine<'a> {
    let Ok(text) = std::str::from_utf8(&line.bytes) else {
        return skipped(line.no, "invalid UTF-8");
    };
    let value = match json::parse(text) {
        Ok(v) => v,
        Err(_) if text.bytes().all(|b| b.is_ascii_whitespace()) => {
            return PreparedLine {
                no: line.no,
                release: None,
                issues: vec![],
            };
        }
        Err(_) => return skipped(line.no, "invalid JSON"),
    };
    let Value::Object(mut release) = value else {
        return skipped(line.no, "not a JSON object");
    };
    let mut issues = Vec::new();
    prepare_release(line.no, &mut release, s, &mut issues);
    PreparedLine {
        no: line.no,
        release: Some(release),
        issues,
    }
}

/// The ocid as the issue report shows it: strings as they are, other JSON as text, absent empty.
fn ocid_text(v: Option<&Value<'_>>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.to_string(),
        Some(other) => other.to_json(),
    }
}

fn stringify(object: &mut Map<'_>, key: &str) {
    if let Some(v @ Value::Number(_)) = object.get_mut(key) {
        let Value::Number(n) = std::mem::replace(v, Value::Null) else {
            unreachable!()
        };
        *v = Value::String(n);
    }
}

type Roles = HashMap<String, HashSet<String>>;

/// Stringifies, redacts or prefixes the `id` of an organisation reference, and notes its role.
fn prepare_org(
    object: &mut Map<'_>,
    redact: &[String],
    prefix: &str,
    roles: &mut Roles,
    role: &str,
) {
    stringify(object, "id");
    if let Some(Value::String(id)) = object.get_mut("id") {
        if redact.iter().any(|r| r.as_str() == id.as_ref()) {
            object.remove("id");
        } else {
            if !id.starts_with(prefix) {
                id.to_mut().insert_str(0, prefix);
            }
            if let Some(set) = roles.get_mut(id.as_ref()) {
                set.insert(role.to_owned());
            }
        }
    }
}

fn prepare_org_object(
    parent: &mut Map<'_>,
    key: &str,
    redact: &[String],
    prefix: &str,
    roles: &mut Roles,
    role: &str,
) {
    if let Some(Value::Object(o)) = parent.get_mut(key) {
        prepare_org(o, redact, prefix, roles, role);
    }
}

fn prepare_org_array(
    parent: &mut Map<'_>,
    key: &str,
    redact: &[String],
    prefix: &str,
    roles: &mut Roles,
    role: &str,
) {
    if let Some(v @ Value::Object(_)) = parent.get_mut(key) {
        let one = std::mem::replace(v, Value::Null);
        *v = Value::Array(vec![one]);
    }
    if let Some(Value::Array(entries)) = parent.get_mut(key) {
        for e in entries {
            if let Value::Object(o) = e {
                prepare_org(o, redact, prefix, roles, role);
            }
        }
    }
}

/// Sets `key` on an object, or turns `null` into an object holding it (as indexing a JSON
/// null for assignment does). Other values are left alone.
fn set_member<'a>(v: &mut Value<'a>, key: &'static str, value: Value<'a>) -> bool {
    match v {
        Value::Object(m) => {
            m.insert(key, value);
            true
        }
        Value::Null => {
            let mut m = Map::new();
            m.insert(key, value);
            *v = Value::Object(m);
            true
        }
        _ => false,
    }
}

struct Ctx<'a> {
    line: u64,
    ocid: String,
    issues: &'a mut Vec<Issue>,
}

impl Ctx<'_> {
    fn issue(&mut self, path: &'static str, index: String, value: &str, description: &'static str) {
        self.issues.push(Issue {
            line: self.line,
            ocid: self.ocid.clone(),
            path,
            index,
            value: value.to_owned(),
            description,
        });
    }
}

fn default_scheme(
    item: &mut Value<'_>,
    s: &PrepareSettings,
    cx: &mut Ctx<'_>,
    path: &'static str,
    index: impl FnOnce() -> String,
) {
    if let Some(Value::Object(c)) = item.get_mut("classification")
        && !c.contains_key("scheme")
    {
        match &s.item_classification_scheme {
            Some(d) => c.insert("scheme", Value::String(Cow::Owned(d.clone()))),
            None => cx.issue(path, index(), "", "not set"),
        }
    }
}

/// Fills an unset status from the default (or reports it), then remaps and checks it.
fn status(
    obj: &mut Value<'_>,
    default: Option<&String>,
    codes: &HashMap<String, String>,
    allowed: &[&str],
    cx: &mut Ctx<'_>,
    path: &'static str,
    j: usize,
) {
    if obj.get("status").is_none() {
        let set = default
            .is_some_and(|d| set_member(obj, "status", Value::String(Cow::Owned(d.clone()))));
        if !set {
            cx.issue(path, j.to_string(), "", "not set");
        }
    }
    if let Some(Value::String(st)) = obj.get_mut("status") {
        if let Some(to) = codes.get(st.as_ref()) {
            *st = Cow::Owned(to.clone());
        }
        if !allowed.contains(&st.as_ref()) {
            let st = st.to_string();
            cx.issue(path, j.to_string(), &st, "invalid");
        }
    }
}

/// Prepares one release in place, appending its issues.
pub fn prepare_release(
    line: u64,
    release: &mut Map<'_>,
    s: &PrepareSettings,
    issues: &mut Vec<Issue>,
) {
    let mut cx = Ctx {
        line,
        ocid: ocid_text(release.get("ocid")),
        issues,
    };
    let redact = &s.redact_organization_ids;
    let mut no_roles = Roles::new();

    prepare_org_array(release, "parties", redact, "", &mut no_roles, "");

    // Roles each party already has, to which the references found below add theirs.
    let mut roles = Roles::new();
    if s.party_roles
        && let Some(Value::Array(parties)) = release.get("parties")
    {
        for p in parties {
            if let Some(Value::String(id)) = p.get("id") {
                let set = match p.get("roles") {
                    Some(Value::Array(r)) => r
                        .iter()
                        .filter_map(|x| x.as_str().map(str::to_owned))
                        .collect(),
                    _ => HashSet::new(),
                };
                roles.insert(id.to_string(), set);
            }
        }
    }

    let buyer_prefix = s.prefix_buyer_or_procuring_entity_id.as_str();
    let party_prefix = s.prefix_tenderer_or_supplier_id.as_str();
    prepare_org_object(release, "buyer", redact, buyer_prefix, &mut roles, "buyer");

    if let Some(Value::Object(tender)) = release.get_mut("tender") {
        prepare_org_object(
            tender,
            "procuringEntity",
            redact,
            buyer_prefix,
            &mut roles,
            "procuringEntity",
        );
        if let Some(sep) = &s.split_procurement_method_details
            && let Some(Value::String(d)) = tender.get_mut("procurementMethodDetails")
        {
            let first = d.split(sep.as_str()).next().unwrap_or_default();
            *d = Cow::Owned(first.trim_end().to_owned());
        }
    }

    if s.move_auctions {
        if release.contains_key("auctions") && release.contains_key("bids") {
            tracing::warn!("line {line}: /auctions not moved, /bids is occupied");
        } else if let Some(Value::Array(auctions)) = release.get_mut("auctions") {
            let mut details = Vec::new();
            for auction in auctions.iter_mut() {
                if let Some(Value::Array(stages)) = auction.get_mut("stages") {
                    for stage in stages.iter_mut() {
                        if let Value::Object(o) = stage
                            && let Some(Value::Array(b)) = o.remove("bids")
                        {
                            details.extend(b);
                        }
                    }
                }
            }
            let mut bids = Map::new();
            bids.insert("details", Value::Array(details));
            release.insert("bids", Value::Object(bids));
        }
    }

    if let Some(Value::Object(bids)) = release.get_mut("bids")
        && let Some(Value::Array(details)) = bids.get_mut("details")
    {
        for (j, bid) in details.iter_mut().enumerate() {
            if let Some(Value::Object(value)) = bid.get_mut("value") {
                if let Some(amount) = value.get("amount").and_then(Value::as_f64) {
                    if s.redact_amounts.contains(&amount) {
                        value.remove("amount");
                    } else if amount == 0.0 {
                        cx.issue("/bids/details[]/value/amount", j.to_string(), "", "is zero");
                    }
                }
                if !value.contains_key("currency") {
                    match &s.currency {
                        Some(c) => value.insert("currency", Value::String(Cow::Owned(c.clone()))),
                        None => cx.issue(
                            "/bids/details[]/value/currency",
                            j.to_string(),
                            "",
                            "not set",
                        ),
                    }
                }
            }
            if let Some(Value::Array(items)) = bid.get_mut("items") {
                for (k, item) in items.iter_mut().enumerate() {
                    default_scheme(
                        item,
                        s,
                        &mut cx,
                        "/bids/details[]/items[]/classification/scheme",
                        || format!("{j}.{k}"),
                    );
                }
            }
            status(
                bid,
                s.bid_status.as_ref(),
                &s.bid_status_codes,
                BID_STATUS,
                &mut cx,
                "/bids/details[]/status",
                j,
            );
            if let Value::Object(b) = bid {
                prepare_org_array(b, "tenderers", redact, party_prefix, &mut roles, "tenderer");
            }
        }
    }

    // Award id → whether every contract referring to it is cancelled.
    let mut all_cancelled: HashMap<String, bool> = HashMap::new();
    if s.award_status_by_contract_status
        && let Some(Value::Array(contracts)) = release.get_mut("contracts")
    {
        for c in contracts.iter_mut() {
            let Value::Object(c) = c else { continue };
            stringify(c, "awardID");
            if let Some(Value::String(award_id)) = c.get("awardID") {
                let cancelled = c.get("status").and_then(Value::as_str) == Some("cancelled");
                all_cancelled
                    .entry(award_id.to_string())
                    .and_modify(|b| *b &= cancelled)
                    .or_insert(cancelled);
            }
        }
    }

    if let Some(Value::Array(awards)) = release.get_mut("awards") {
        for (j, award) in awards.iter_mut().enumerate() {
            if let Value::Object(a) = award {
                stringify(a, "id");
            }
            if let Some(Value::Array(items)) = award.get_mut("items") {
                for (k, item) in items.iter_mut().enumerate() {
                    if let Value::Object(i) = item {
                        prepare_org_object(i, "classification", &[], "", &mut no_roles, "");
                    }
                    default_scheme(
                        item,
                        s,
                        &mut cx,
                        "/awards[]/items[]/classification/scheme",
                        || format!("{j}.{k}"),
                    );
                }
            }
            status(
                award,
                s.award_status.as_ref(),
                &s.award_status_codes,
                AWARD_STATUS,
                &mut cx,
                "/awards[]/status",
                j,
            );
            if s.award_status_by_contract_status
                && let Some(Value::String(id)) = award.get("id")
                && all_cancelled.get(id.as_ref()).copied().unwrap_or(false)
            {
                set_member(award, "status", Value::String("cancelled".into()));
            }
            if let Value::Object(a) = award {
                prepare_org_array(a, "suppliers", redact, party_prefix, &mut roles, "supplier");
            }
        }
    }

    if s.party_roles
        && let Some(Value::Array(parties)) = release.get_mut("parties")
    {
        for p in parties.iter_mut() {
            let Value::Object(p) = p else { continue };
            if let Some(Value::String(id)) = p.get("id")
                && let Some(set) = roles.get(id.as_ref())
                && !set.is_empty()
            {
                let mut list: Vec<&String> = set.iter().collect();
                list.sort_unstable();
                let list = list
                    .into_iter()
                    .map(|r| Value::String(Cow::Owned(r.clone())))
                    .collect();
                p.insert("roles", Value::Array(list));
            }
        }
    }
}

/// Writes issue rows as CSV without a header (the reference's shape).
pub fn write_issues<W: std::io::Write>(
    w: &mut csv::Writer<W>,
    issues: &[Issue],
) -> csv::Result<()> {
    for i in issues {
        w.write_record(i.record())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::Settings;

    fn run(line: &str, ini: &str) -> (String, Vec<[String; 6]>) {
        let s = Settings::parse(ini).unwrap().prepare;
        let raw = RawLine {
            no: 3,
            bytes: line.as_bytes().to_vec(),
        };
        let p = prepare_line(&raw, &s);
        (
            p.release
                .map(|r| Value::Object(r).to_json())
                .unwrap_or_default(),
            p.issues.iter().map(Issue::record).collect(),
        )
    }

    #[test]
    fn reports_zero_amounts_and_unset_statuses_with_indexes() {
        let (_, issues) = run(
            r#"{"ocid":"o-1","bids":{"details":[{"status":"valid","value":{"amount":0,"currency":"X"}},{"value":{"amount":5,"currency":"X"}}]}}"#,
            "",
        );
        assert_eq!(
            issues,
            [
                [
                    "3",
                    "o-1",
                    "/bids/details[]/value/amount",
                    "0",
                    "",
                    "is zero"
                ]
                .map(String::from),
                ["3", "o-1", "/bids/details[]/status", "1", "", "not set"].map(String::from),
            ]
        );
    }

    #[test]
    fn remapped_status_is_checked_after_mapping() {
        let (out, issues) = run(
            r#"{"awards":[{"status":"Adjudicado"},{"status":"Weird"}]}"#,
            "[codelists.award_status]\nAdjudicado = active\n",
        );
        assert_eq!(
            out,
            r#"{"awards":[{"status":"active"},{"status":"Weird"}]}"#
        );
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0][4], "Weird");
        assert_eq!(issues[0][5], "invalid");
    }

    #[test]
    fn null_bid_takes_the_default_status_and_other_scalars_are_reported() {
        let (out, issues) = run(
            r#"{"bids":{"details":[null,"x"]}}"#,
            "[defaults]\nbid_status = valid\n",
        );
        assert_eq!(out, r#"{"bids":{"details":[{"status":"valid"},"x"]}}"#);
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0][3], "1");
    }

    #[test]
    fn skipped_lines_are_reported_and_blank_lines_are_not() {
        assert_eq!(run("   ", "").1.len(), 0);
        assert_eq!(run("{", "").1[0][5], "invalid JSON");
        assert_eq!(run("[1]", "").1[0][5], "not a JSON object");
        let raw = RawLine {
            no: 1,
            bytes: vec![b'"', 0xff, b'"'],
        };
        let p = prepare_line(&raw, &PrepareSettings::default());
        assert_eq!(p.issues[0].description, "invalid UTF-8");
    }

    #[test]
    fn numeric_ocid_is_reported_as_its_text() {
        let (_, issues) = run(r#"{"ocid":12,"awards":[{}]}"#, "");
        assert_eq!(issues[0][1], "12");
    }
}
