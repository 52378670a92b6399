//! Jurisdiction (管辖范围): who may see what. The only place where access to registry rows is
//! decided; every query in this crate that returns registry data builds its filter here.

use qinglian_core::{DivisionCode, Role};
use serde::Serialize;

/// What a signed-in user (or an API token, which acts as its user) may see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Scope {
    /// Everything: only for operators at the command line, who hold the database anyway.
    /// Never given to a user, a session or a token.
    All,
    /// Everything inside these divisions (level-aware prefixes, design §7).
    Divisions(Vec<DivisionCode>),
    /// These units and the units below them (for the `unit` role, 主体责任).
    Units(Vec<String>),
}

#[derive(Debug, Clone, Serialize)]
pub struct Principal {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub scope: Scope,
}

impl Principal {
    /// The command-line operator: sees everything, as whoever runs the binary on the server
    /// already can. Personal data stays masked.
    pub fn operator() -> Self {
        Principal {
            user_id: 0,
            username: "operator".into(),
            display_name: "命令行操作员 / command-line operator".into(),
            role: Role::Admin,
            scope: Scope::All,
        }
    }

    /// Whether a division code lies inside this principal's jurisdiction.
    pub fn sees_division(&self, code: &DivisionCode) -> bool {
        match &self.scope {
            Scope::All => true,
            Scope::Divisions(ds) => ds.iter().any(|d| d.contains(code)),
            Scope::Units(_) => false,
        }
    }
}

/// A SQL predicate plus the values it binds, numbered from a given placeholder.
#[derive(Debug, Clone)]
pub(crate) struct Filter {
    pub sql: String,
    pub binds: Vec<String>,
}

/// The exclusive upper bound of all codes that start with `prefix` (digits only), so that a
/// prefix test becomes an index-friendly range: `code >= prefix AND code < upper`.
pub(crate) fn prefix_upper(prefix: &str) -> String {
    let mut b = prefix.as_bytes().to_vec();
    if let Some(last) = b.last_mut() {
        *last += 1; // '9' + 1 = ':' which sorts after every digit
    }
    String::from_utf8(b).expect("ascii")
}

fn division_ranges(
    col: &str,
    ds: &[DivisionCode],
    next: &mut usize,
    binds: &mut Vec<String>,
) -> String {
    let parts: Vec<String> = ds
        .iter()
        .map(|d| {
            let p = d.prefix();
            binds.push(p.to_owned());
            binds.push(prefix_upper(p));
            let s = format!("({col} >= ${} AND {col} < ${})", *next, *next + 1);
            *next += 2;
            s
        })
        .collect();
    if parts.is_empty() {
        "FALSE".to_owned()
    } else {
        format!("({})", parts.join(" OR "))
    }
}

fn in_list(col: &str, ids: &[String], next: &mut usize, binds: &mut Vec<String>) -> String {
    if ids.is_empty() {
        return "FALSE".to_owned();
    }
    let ph: Vec<String> = ids
        .iter()
        .map(|id| {
            binds.push(id.clone());
            *next += 1;
            format!("${}", *next - 1)
        })
        .collect();
    format!("{col} IN ({})", ph.join(", "))
}

/// Rows of a table with a division column (divisions themselves).
pub(crate) fn divisions(p: &Principal, code_col: &str, first: usize) -> Filter {
    let mut binds = Vec::new();
    let mut next = first;
    let sql = match &p.scope {
        Scope::All => "TRUE".to_owned(),
        Scope::Divisions(ds) => division_ranges(code_col, ds, &mut next, &mut binds),
        // A unit user sees the divisions its units sit in, nothing else.
        Scope::Units(ids) => {
            let inner = in_list("u.unit_id", ids, &mut next, &mut binds);
            format!("{code_col} IN (SELECT u.division_code FROM units u WHERE {inner})")
        }
    };
    Filter { sql, binds }
}

/// Units: by their division, or by unit id for unit-scoped principals.
pub(crate) fn units(p: &Principal, alias: &str, first: usize) -> Filter {
    let mut binds = Vec::new();
    let mut next = first;
    let sql = match &p.scope {
        Scope::All => "TRUE".to_owned(),
        Scope::Divisions(ds) => {
            division_ranges(&format!("{alias}.division_code"), ds, &mut next, &mut binds)
        }
        Scope::Units(ids) => in_list(&format!("{alias}.unit_id"), ids, &mut next, &mut binds),
    };
    Filter { sql, binds }
}

/// Hits: like the unit they are about, by the unit id and the unit's division recorded with
/// the hit (`alias.unit_id`, `alias.division_code`).
pub(crate) fn hits(p: &Principal, alias: &str, first: usize) -> Filter {
    units(p, alias, first)
}

/// Clues: like the hits and units they are about (`alias.unit_id`, `alias.division_code`).
pub(crate) fn clues(p: &Principal, alias: &str, first: usize) -> Filter {
    units(p, alias, first)
}

/// Letters: like the unit they are addressed to (`alias.unit_id`, `alias.division_code`).
pub(crate) fn letters(p: &Principal, alias: &str, first: usize) -> Filter {
    units(p, alias, first)
}

/// Citizen reports (群众举报): like the unit they are about, except that a unit user never sees
/// reports about its own units (the reporter's protection).
pub(crate) fn reports(p: &Principal, alias: &str, first: usize) -> Filter {
    match p.scope {
        Scope::Units(_) => Filter {
            sql: "FALSE".to_owned(),
            binds: Vec::new(),
        },
        _ => units(p, alias, first),
    }
}

/// Inbox rows: those addressed to the principal by name, and (outside the unit role) those
/// addressed to a division of its jurisdiction without a named recipient.
pub(crate) fn inbox(p: &Principal, alias: &str, first: usize) -> Filter {
    let mut binds = vec![p.username.clone()];
    let mut next = first + 1;
    let own = format!("{alias}.username = ${first}");
    let sql = match &p.scope {
        Scope::All => "TRUE".to_owned(),
        Scope::Divisions(ds) => {
            let inside =
                division_ranges(&format!("{alias}.division_code"), ds, &mut next, &mut binds);
            format!("({own} OR ({alias}.username IS NULL AND {inside}))")
        }
        Scope::Units(_) => own,
    };
    if matches!(p.scope, Scope::All) {
        binds.clear();
    }
    Filter { sql, binds }
}

/// Lotteries (阳光招生): seen inside the division they were announced for. A lottery without a
/// division (installation-wide) only by the operator; unit users hold no division, so none.
pub(crate) fn lotteries(p: &Principal, alias: &str, first: usize) -> Filter {
    let mut binds = Vec::new();
    let mut next = first;
    let col = format!("{alias}.division_code");
    let sql = match &p.scope {
        Scope::All => "TRUE".to_owned(),
        Scope::Divisions(ds) => division_ranges(&col, ds, &mut next, &mut binds),
        Scope::Units(_) => "FALSE".to_owned(),
    };
    Filter { sql, binds }
}

/// Who may run a lottery (announce, register, freeze, draw, publish): administrators whose
/// jurisdiction holds its division; one without a division, only the operator. Supervisors
/// watch the draw and check it like anyone else; they do not run it.
pub fn may_run_lottery(p: &Principal, division: Option<&DivisionCode>) -> bool {
    p.role == Role::Admin
        && match division {
            Some(d) => p.sees_division(d),
            None => p.scope == Scope::All,
        }
}

/// Whether an administrator may grant these divisions, or manage a user who holds them: every
/// one inside its own jurisdiction, so nobody hands out more than they may see.
pub fn may_grant_divisions(p: &Principal, divisions: &[DivisionCode]) -> bool {
    p.role == Role::Admin && divisions.iter().all(|d| p.sees_division(d))
}

/// What the filters and checks of this module read from a principal besides its name: its
/// role and its resolved scope. Two principals with the same view key see exactly the same rows
/// through every filter here except [`inbox`] (addressed by username), so a cache of what one of
/// them was shown (the web server's rendered pages and API answers) may serve the other. Pages
/// built on the inbox must not be shared this way.
pub fn view_key(p: &Principal) -> String {
    format!("{:?}|{:?}", p.role, p.scope)
}

/// Enforcement squads (执法中队), and through them their officers' workload and their cases'
/// trajectories: supervisors and commanders see the squads whose division lies inside their
/// jurisdiction; every other role sees none. The operator sees all.
pub fn sees_squad(p: &Principal, squad_division: &DivisionCode) -> bool {
    match p.scope {
        Scope::All => true,
        _ => {
            matches!(p.role, Role::Supervisor | Role::Commander) && p.sees_division(squad_division)
        }
    }
}

/// A narrowing filter (not a grant): rows whose division column lies inside `code`. Used by
/// reports together with the principal's own filter.
pub(crate) fn inside_division(col: &str, code: &DivisionCode, first: usize) -> Filter {
    let mut binds = Vec::new();
    let mut next = first;
    let sql = division_ranges(col, std::slice::from_ref(code), &mut next, &mut binds);
    Filter { sql, binds }
}

/// People: by their own division, or by the unit they work in being visible.
pub(crate) fn people(p: &Principal, alias: &str, first: usize) -> Filter {
    let mut binds = Vec::new();
    let mut next = first;
    let sql = match &p.scope {
        Scope::All => "TRUE".to_owned(),
        Scope::Divisions(ds) => {
            let own = division_ranges(&format!("{alias}.division_code"), ds, &mut next, &mut binds);
            let via_unit = division_ranges("pu.division_code", ds, &mut next, &mut binds);
            format!(
                "({own} OR EXISTS (SELECT 1 FROM units pu WHERE pu.unit_id = {alias}.unit_id AND {via_unit}))"
            )
        }
        Scope::Units(ids) => {
            let own = in_list(&format!("{alias}.unit_id"), ids, &mut next, &mut binds);
            let via_post = in_list("pp.unit_id", ids, &mut next, &mut binds);
            format!(
                "({own} OR EXISTS (SELECT 1 FROM posts pp WHERE pp.person_id = {alias}.person_id AND {via_post}))"
            )
        }
    };
    Filter { sql, binds }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_ranges_cover_exactly_the_prefix() {
        assert_eq!(prefix_upper("3301"), "3302");
        assert_eq!(prefix_upper("339"), "33:");
        let inside =
            |code: &str, prefix: &str| code >= prefix && code < prefix_upper(prefix).as_str();
        assert!(inside("330106001002", "3301"));
        assert!(inside("339999", "339"));
        assert!(!inside("330200", "3301"));
        assert!(!inside("34", "33"));
    }

    #[test]
    fn view_keys_split_by_role_and_scope_not_by_name() {
        let p = |id: i64, name: &str, role: Role, d: &str| Principal {
            user_id: id,
            username: name.into(),
            display_name: name.into(),
            role,
            scope: Scope::Divisions(vec![DivisionCode::parse(d).unwrap()]),
        };
        let a = view_key(&p(1, "a", Role::Supervisor, "330106"));
        assert_eq!(a, view_key(&p(2, "b", Role::Supervisor, "330106")));
        assert_ne!(a, view_key(&p(1, "a", Role::Supervisor, "330105")));
        assert_ne!(a, view_key(&p(1, "a", Role::Auditor, "330106")));
        let unit = |ids: &[&str]| Principal {
            scope: Scope::Units(ids.iter().map(|u| (*u).to_owned()).collect()),
            ..p(1, "a", Role::Unit, "330106")
        };
        assert_ne!(view_key(&unit(&["U1"])), view_key(&unit(&["U1", "U2"])));
    }

    #[test]
    fn squads_are_seen_by_supervisors_and_commanders_of_their_division() {
        let code = |c: &str| DivisionCode::parse(c).unwrap();
        let user = |role: Role, d: &str| Principal {
            user_id: 1,
            username: "u".into(),
            display_name: "u".into(),
            role,
            scope: Scope::Divisions(vec![code(d)]),
        };
        let xihu = code("330106");
        assert!(sees_squad(&Principal::operator(), &xihu));
        assert!(sees_squad(&user(Role::Supervisor, "330100"), &xihu));
        assert!(sees_squad(&user(Role::Commander, "330106"), &xihu));
        assert!(!sees_squad(&user(Role::Supervisor, "330200"), &xihu));
        for role in [Role::Admin, Role::Unit, Role::Analyst, Role::Auditor] {
            assert!(!sees_squad(&user(role, "330000"), &xihu), "{role:?}");
        }
    }
}
