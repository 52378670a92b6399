//! The clue lifecycle as one explicit state machine (design §6), pure: no I/O.
//!
//! Every allowed step is a row of [`TRANSITIONS`]; anything else is refused with a message that
//! names the current state and the states allowed from it. Rectification items have their own,
//! smaller machine ([`item_step`]). The store applies a step only through these functions.

use qinglian_core::{Msg, Role};
use serde::Serialize;

/// States of a clue (问题线索).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// 登记: opened from a hit or a manual report.
    Registered,
    /// 分办: a handler and a responsible unit are assigned.
    Triaged,
    /// 谈话函询: disposal by talk or letter.
    Inquiry,
    /// 初步核实: disposal by preliminary verification.
    Verification,
    /// 暂存待查: shelved pending further information.
    Shelved,
    /// 予以了结: closed without action (or found not to be a problem). Terminal.
    Concluded,
    /// 问题属实: the finding confirms a problem; a rectification order follows.
    Confirmed,
    /// 整改中: the rectification order with its items is issued.
    Rectifying,
    /// 销号: every item verified rectified. Terminal.
    Closed,
}

pub const STATES: [State; 9] = [
    State::Registered,
    State::Triaged,
    State::Inquiry,
    State::Verification,
    State::Shelved,
    State::Concluded,
    State::Confirmed,
    State::Rectifying,
    State::Closed,
];

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Registered => "registered",
            State::Triaged => "triaged",
            State::Inquiry => "inquiry",
            State::Verification => "verification",
            State::Shelved => "shelved",
            State::Concluded => "concluded",
            State::Confirmed => "confirmed",
            State::Rectifying => "rectifying",
            State::Closed => "closed",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            State::Registered => "登记",
            State::Triaged => "分办",
            State::Inquiry => "谈话函询",
            State::Verification => "初步核实",
            State::Shelved => "暂存待查",
            State::Concluded => "予以了结",
            State::Confirmed => "问题属实",
            State::Rectifying => "整改中",
            State::Closed => "销号",
        }
    }

    /// Accepts the English code or the Chinese name.
    pub fn parse(s: &str) -> Option<State> {
        let t = s.trim();
        STATES
            .into_iter()
            .find(|st| st.as_str() == t || st.name_zh() == t)
    }

    pub fn label(self) -> String {
        format!("{} {}", self.name_zh(), self.as_str())
    }

    pub fn is_terminal(self) -> bool {
        allowed_from(self).is_empty()
    }
}

/// The four disposal methods (处置方式).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    TalkInquiry,
    PreliminaryVerification,
    Shelved,
    ClosedNoAction,
}

pub const METHODS: [Method; 4] = [
    Method::TalkInquiry,
    Method::PreliminaryVerification,
    Method::Shelved,
    Method::ClosedNoAction,
];

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::TalkInquiry => "talk_inquiry",
            Method::PreliminaryVerification => "preliminary_verification",
            Method::Shelved => "shelved",
            Method::ClosedNoAction => "closed_no_action",
        }
    }
    pub fn name_zh(self) -> &'static str {
        match self {
            Method::TalkInquiry => "谈话函询",
            Method::PreliminaryVerification => "初步核实",
            Method::Shelved => "暂存待查",
            Method::ClosedNoAction => "予以了结",
        }
    }
    pub fn parse(s: &str) -> Option<Method> {
        let t = s.trim();
        METHODS
            .into_iter()
            .find(|m| m.as_str() == t || m.name_zh() == t)
    }
    /// The state a disposal by this method leads to.
    pub fn state(self) -> State {
        match self {
            Method::TalkInquiry => State::Inquiry,
            Method::PreliminaryVerification => State::Verification,
            Method::Shelved => State::Shelved,
            Method::ClosedNoAction => State::Concluded,
        }
    }
}

/// What a step is, which decides what it must carry (handler, reason, finding …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Assign handler and responsible unit.
    Triage,
    /// Dispose by a method, with a reason.
    Dispose(Method),
    /// Take a shelved clue up again.
    Reopen,
    /// Record the finding: problem confirmed (persons handled go with it) or not.
    Find { confirmed: bool },
    /// Issue the rectification order (its items must exist).
    Order,
    /// Close (销号): every item verified rectified.
    Close,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Triage => "triage",
            Action::Dispose(_) => "dispose",
            Action::Reopen => "reopen",
            Action::Find { .. } => "finding",
            Action::Order => "order",
            Action::Close => "close",
        }
    }
}

use Action as A;
use State as S;

/// Every allowed step: (from, to, action). Nothing else is allowed.
pub const TRANSITIONS: &[(State, State, Action)] = &[
    (S::Registered, S::Triaged, A::Triage),
    (S::Triaged, S::Inquiry, A::Dispose(Method::TalkInquiry)),
    (
        S::Triaged,
        S::Verification,
        A::Dispose(Method::PreliminaryVerification),
    ),
    (S::Triaged, S::Shelved, A::Dispose(Method::Shelved)),
    (S::Triaged, S::Concluded, A::Dispose(Method::ClosedNoAction)),
    (S::Shelved, S::Triaged, A::Reopen),
    (S::Shelved, S::Concluded, A::Dispose(Method::ClosedNoAction)),
    // A talk or letter that does not clear the matter goes on to preliminary verification.
    (
        S::Inquiry,
        S::Verification,
        A::Dispose(Method::PreliminaryVerification),
    ),
    (S::Inquiry, S::Confirmed, A::Find { confirmed: true }),
    (S::Inquiry, S::Concluded, A::Find { confirmed: false }),
    (S::Verification, S::Confirmed, A::Find { confirmed: true }),
    (S::Verification, S::Concluded, A::Find { confirmed: false }),
    (S::Confirmed, S::Rectifying, A::Order),
    (S::Rectifying, S::Closed, A::Close),
];

/// States reachable in one step from `from`, in table order.
pub fn allowed_from(from: State) -> Vec<State> {
    TRANSITIONS
        .iter()
        .filter(|(f, _, _)| *f == from)
        .map(|(_, t, _)| *t)
        .collect()
}

fn list(states: &[State]) -> (String, String) {
    if states.is_empty() {
        return ("无（已终结）".into(), "none (final state)".into());
    }
    (
        states
            .iter()
            .map(|s| format!("{}（{}）", s.name_zh(), s.as_str()))
            .collect::<Vec<_>>()
            .join("、"),
        states
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    )
}

/// The step from `from` to `to`, or a refusal naming the current and the allowed next states.
pub fn step(from: State, to: State) -> Result<Action, Msg> {
    if let Some((_, _, a)) = TRANSITIONS.iter().find(|(f, t, _)| *f == from && *t == to) {
        return Ok(*a);
    }
    let (zh, en) = list(&allowed_from(from));
    Err(Msg::new(
        "CLUE_ILLEGAL_TRANSITION",
        format!(
            "不允许从“{}”转到“{}”。当前状态：{}；可转到：{zh}",
            from.name_zh(),
            to.name_zh(),
            from.label()
        ),
        format!(
            "cannot move from {} to {}. Current state: {}; allowed next: {en}",
            from.as_str(),
            to.as_str(),
            from.as_str()
        ),
    ))
}

/// Who may take a step: supervisors (and administrators) run the clue and issue letters; a
/// unit user only reports on its items and acknowledges letters to its units; analysts and
/// auditors read.
pub fn may(role: Role, action: &str) -> bool {
    match role {
        Role::Admin | Role::Supervisor => true,
        Role::Unit => matches!(action, "item_report" | "letter_ack"),
        _ => false,
    }
}

/// States of a rectification item (整改事项).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemState {
    /// 待整改
    Open,
    /// 已报告: the unit filed its report, awaiting verification.
    Reported,
    /// 已整改: verified rectified.
    Rectified,
}

impl ItemState {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemState::Open => "open",
            ItemState::Reported => "reported",
            ItemState::Rectified => "rectified",
        }
    }
    pub fn name_zh(self) -> &'static str {
        match self {
            ItemState::Open => "待整改",
            ItemState::Reported => "已报告",
            ItemState::Rectified => "已整改",
        }
    }
    pub fn parse(s: &str) -> Option<ItemState> {
        [ItemState::Open, ItemState::Reported, ItemState::Rectified]
            .into_iter()
            .find(|i| i.as_str() == s)
    }
}

/// How far an item is rectified: the unit's report and the supervisor's verdict use the same
/// three grades (完全整改 / 部分整改 / 未整改).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    Completely,
    Partly,
    Not,
}

impl Grade {
    pub fn as_str(self) -> &'static str {
        match self {
            Grade::Completely => "completely",
            Grade::Partly => "partly",
            Grade::Not => "not",
        }
    }
    pub fn name_zh(self) -> &'static str {
        match self {
            Grade::Completely => "完全整改",
            Grade::Partly => "部分整改",
            Grade::Not => "未整改",
        }
    }
    pub fn parse(s: &str) -> Option<Grade> {
        [Grade::Completely, Grade::Partly, Grade::Not]
            .into_iter()
            .find(|g| g.as_str() == s.trim() || g.name_zh() == s.trim())
    }
}

/// An item step: `report` moves open → reported; `verify` moves reported → rectified when the
/// verdict is `completely`, else back to open (returned for more work).
pub fn item_step(from: ItemState, verify: Option<Grade>) -> Result<ItemState, Msg> {
    match (from, verify) {
        (ItemState::Open, None) => Ok(ItemState::Reported),
        (ItemState::Reported, Some(Grade::Completely)) => Ok(ItemState::Rectified),
        (ItemState::Reported, Some(_)) => Ok(ItemState::Open),
        (from, v) => {
            let (want_zh, want_en) = match from {
                ItemState::Open => ("整改报告（report）", "a report"),
                ItemState::Reported => ("核查（verify）", "a verification"),
                ItemState::Rectified => ("无（已整改）", "nothing (already rectified)"),
            };
            let what = if v.is_some() { "verify" } else { "report" };
            Err(Msg::new(
                "ITEM_ILLEGAL_STEP",
                format!(
                    "整改事项当前为“{}”，不能执行 {what}；下一步应为：{want_zh}",
                    from.name_zh()
                ),
                format!(
                    "the item is {}; {what} is not allowed; next step: {want_en}",
                    from.as_str()
                ),
            ))
        }
    }
}

/// Forms of handling a person (glossary), lightest first.
pub const PERSON_FORMS: [(&str, &str); 7] = [
    ("reminder_talk", "提醒谈话"),
    ("warning_interview", "警示约谈"),
    ("criticism", "批评教育"),
    ("admonishment", "诫勉谈话"),
    ("organisational_handling", "组织处理"),
    ("sanction", "党纪政务处分"),
    ("judicial_referral", "移送司法"),
];

/// The English code of a form given in English or Chinese.
pub fn person_form(s: &str) -> Option<&'static str> {
    PERSON_FORMS
        .iter()
        .find(|(en, zh)| *en == s.trim() || *zh == s.trim())
        .map(|(en, _)| *en)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pair_of_states_is_either_in_the_table_or_refused() {
        let legal: Vec<(State, State)> = vec![
            (S::Registered, S::Triaged),
            (S::Triaged, S::Inquiry),
            (S::Triaged, S::Verification),
            (S::Triaged, S::Shelved),
            (S::Triaged, S::Concluded),
            (S::Shelved, S::Triaged),
            (S::Shelved, S::Concluded),
            (S::Inquiry, S::Verification),
            (S::Inquiry, S::Confirmed),
            (S::Inquiry, S::Concluded),
            (S::Verification, S::Confirmed),
            (S::Verification, S::Concluded),
            (S::Confirmed, S::Rectifying),
            (S::Rectifying, S::Closed),
        ];
        let mut checked = 0;
        for from in STATES {
            for to in STATES {
                let r = step(from, to);
                if legal.contains(&(from, to)) {
                    assert!(r.is_ok(), "{from:?} -> {to:?} must be allowed");
                } else {
                    let e = r.expect_err("refused");
                    assert_eq!(e.code, "CLUE_ILLEGAL_TRANSITION");
                    assert!(e.zh.contains(from.name_zh()), "{}", e.zh);
                    assert!(e.en.contains(from.as_str()), "{}", e.en);
                    for next in allowed_from(from) {
                        assert!(e.en.contains(next.as_str()), "{}", e.en);
                        assert!(e.zh.contains(next.name_zh()), "{}", e.zh);
                    }
                }
                checked += 1;
            }
        }
        assert_eq!(checked, 81);
        assert_eq!(
            TRANSITIONS.len(),
            legal.len(),
            "no rows beyond the list above"
        );
    }

    #[test]
    fn some_illegal_steps_say_where_one_stands() {
        let e = step(S::Registered, S::Closed).unwrap_err();
        assert!(e.zh.contains("当前状态：登记 registered"), "{}", e.zh);
        assert!(e.en.ends_with("allowed next: triaged"), "{}", e.en);
        let e = step(S::Closed, S::Triaged).unwrap_err();
        assert!(e.en.contains("none (final state)"), "{}", e.en);
        assert!(step(S::Confirmed, S::Closed).is_err(), "rectify first");
        assert!(step(S::Triaged, S::Confirmed).is_err(), "dispose first");
        assert!(S::Closed.is_terminal() && S::Concluded.is_terminal());
        assert!(!S::Shelved.is_terminal());
    }

    #[test]
    fn methods_lead_to_their_states_and_names_parse_both_ways() {
        for m in METHODS {
            assert_eq!(step(S::Triaged, m.state()).unwrap(), A::Dispose(m));
            assert_eq!(Method::parse(m.name_zh()), Some(m));
            assert_eq!(Method::parse(m.as_str()), Some(m));
        }
        for s in STATES {
            assert_eq!(State::parse(s.name_zh()), Some(s));
            assert_eq!(State::parse(s.as_str()), Some(s));
        }
        assert_eq!(State::parse("done"), None);
        assert_eq!(person_form("诫勉谈话"), Some("admonishment"));
        assert_eq!(person_form("lunch"), None);
    }

    #[test]
    fn items_report_then_verify() {
        use ItemState::*;
        assert_eq!(item_step(Open, None).unwrap(), Reported);
        assert_eq!(
            item_step(Reported, Some(Grade::Completely)).unwrap(),
            Rectified
        );
        assert_eq!(item_step(Reported, Some(Grade::Partly)).unwrap(), Open);
        assert_eq!(item_step(Reported, Some(Grade::Not)).unwrap(), Open);
        assert_eq!(
            item_step(Open, Some(Grade::Completely)).unwrap_err().code,
            "ITEM_ILLEGAL_STEP"
        );
        assert!(item_step(Reported, None).is_err(), "one report per round");
        assert!(item_step(Rectified, None).is_err());
        assert!(item_step(Rectified, Some(Grade::Completely)).is_err());
    }

    #[test]
    fn roles() {
        assert!(may(Role::Supervisor, "move"));
        assert!(may(Role::Unit, "item_report"));
        assert!(!may(Role::Unit, "move"));
        assert!(!may(Role::Auditor, "item_report"));
        assert!(may(Role::Unit, "letter_ack") && !may(Role::Unit, "letter_issue"));
        assert!(!may(Role::Analyst, "letter_issue"));
    }
}
