//! Which action forms a page shows: only the steps the user's role may take in the object's
//! current state (`machine::may`, `machine::TRANSITIONS`). The store checks again on submit.

use super::{ActionForm, Choice, Field, choice, form};
use crate::pages::cockpit::seg;
use qinglian_store::workflow::machine::{self, Action, PERSON_FORMS, TRANSITIONS};
use qinglian_store::workflow::{Method, State};
use qinglian_store::{ClueRecord, HitRecord, ItemRecord, Principal};

fn note(required: bool) -> Field {
    let f = Field::new("note", "理由或说明", "Reason or remark", "textarea");
    if required { f.required() } else { f }
}

fn grades() -> Vec<Choice> {
    vec![
        choice("completely", "完全整改", "completely rectified"),
        choice("partly", "部分整改", "partly rectified"),
        choice("not", "未整改", "not rectified"),
    ]
}

/// The form of one state-machine step from the clue's state.
fn step_form(c: &ClueRecord, to: State, action: Action) -> ActionForm {
    let url = format!("/clues/{}/move", seg(&c.id));
    let mut fields = vec![Field::hidden("to", to.as_str())];
    let (zh, en): (String, String) = match action {
        Action::Triage => {
            fields.push(
                Field::new("handler", "承办人（用户名）", "Handler (user name)", "text").required(),
            );
            fields.push(
                Field::new(
                    "unit",
                    "责任单位编号（默认为线索单位）",
                    "Responsible unit id (default: the clue's unit)",
                    "text",
                )
                .value(c.responsible_unit.clone().unwrap_or_default()),
            );
            fields.push(note(false));
            ("分办".into(), "Triage (assign)".into())
        }
        Action::Dispose(m) => {
            fields.push(note(true));
            (
                format!("处置：{}", m.name_zh()),
                format!("Dispose: {}", method_en(m)),
            )
        }
        Action::Reopen => {
            fields.push(note(true));
            (
                "重新启用（回到分办）".into(),
                "Reopen (back to triaged)".into(),
            )
        }
        Action::Find { confirmed: true } => {
            fields.push(note(true));
            for (code, zh) in PERSON_FORMS {
                fields.push(
                    Field::new(
                        &format!("person_{code}"),
                        &format!("处理人数：{zh}"),
                        &format!("Persons handled: {}", code.replace('_', " ")),
                        "number",
                    )
                    .value("0"),
                );
            }
            ("认定：问题属实".into(), "Finding: problem confirmed".into())
        }
        Action::Find { confirmed: false } => {
            fields.push(note(true));
            (
                "认定：问题不实，予以了结".into(),
                "Finding: not confirmed, concluded".into(),
            )
        }
        Action::Order => {
            fields.push(note(false));
            (
                "下达整改通知（进入整改中）".into(),
                "Order rectification".into(),
            )
        }
        Action::Close => {
            fields.push(note(false));
            ("销号".into(), "Close (销号)".into())
        }
    };
    form(&zh, &en, url, fields).submit(&zh, &en)
}

fn method_en(m: Method) -> &'static str {
    match m {
        Method::TalkInquiry => "talk or written inquiry",
        Method::PreliminaryVerification => "preliminary verification",
        Method::Shelved => "shelved pending",
        Method::ClosedNoAction => "closed without action",
    }
}

/// The unit's report on one item, with evidence files (multipart).
pub(in crate::pages) fn report_form(c: &ClueRecord, i: &ItemRecord) -> ActionForm {
    let mut f = form(
        &format!("整改报告：{}/{} {}", c.id, i.seq, i.text),
        &format!("Rectification report: {}/{} {}", c.id, i.seq, i.text),
        format!("/my-unit/items/{}/{}/report", seg(&c.id), i.seq),
        vec![
            Field::select("grade", "整改程度", "How far rectified", grades()),
            Field::new("note", "整改情况说明", "What was done", "textarea"),
            Field::new(
                "file",
                "佐证材料（可多选）",
                "Evidence files (several allowed)",
                "file",
            ),
        ],
    )
    .submit("提交整改报告", "File the report");
    f.multipart = true;
    f
}

/// The forms of a clue page for this user.
pub(in crate::pages) fn clue_forms(
    p: &Principal,
    c: &ClueRecord,
    items: &[ItemRecord],
) -> Vec<ActionForm> {
    let Ok(state) = c.state() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if machine::may(p.role, "move") {
        for (_, to, action) in TRANSITIONS.iter().filter(|(f, _, _)| *f == state) {
            out.push(step_form(c, *to, *action));
        }
    }
    let base = format!("/clues/{}/items", seg(&c.id));
    if machine::may(p.role, "item_add") && matches!(state, State::Confirmed | State::Rectifying) {
        let mut fields = vec![
            Field::new("text", "整改要求", "What must be rectified", "textarea").required(),
            Field::new("deadline", "整改期限", "Deadline", "date").required(),
        ];
        if c.indicator_id.is_some() {
            fields.push(Field::select(
                "from_hit",
                "关联命中的指标（销号时须不再触发）",
                "Tie to the hit's indicator (must stop firing to close)",
                vec![
                    choice("yes", "关联", "tie"),
                    choice("no", "不关联", "do not tie"),
                ],
            ));
        }
        out.push(
            form(
                "添加整改事项",
                "Add a rectification item",
                base.clone(),
                fields,
            )
            .submit("添加", "Add"),
        );
    }
    if state == State::Rectifying {
        for i in items {
            if i.status == "open" && machine::may(p.role, "item_report") {
                out.push(report_form(c, i));
            }
            if i.status == "reported" && machine::may(p.role, "item_verify") {
                let fields = vec![
                    Field::select("grade", "核查结论", "Verdict", grades()),
                    note(false),
                    Field::new(
                        "systems_improved",
                        "完善制度（单位修订的制度或控制措施）",
                        "Systems improved (the rule or control the unit changed)",
                        "text",
                    ),
                    Field::new(
                        "money_yuan",
                        "挽回损失（元）",
                        "Money recovered (yuan)",
                        "text",
                    )
                    .value("0"),
                    Field::new(
                        "new_deadline",
                        "退回时的新期限",
                        "New deadline when returned",
                        "date",
                    ),
                ];
                out.push(
                    form(
                        &format!("核查事项 {}：{}", i.seq, i.text),
                        &format!("Verify item {}: {}", i.seq, i.text),
                        format!("{base}/{}/verify", i.seq),
                        fields,
                    )
                    .submit("核查", "Verify"),
                );
            }
        }
    }
    out
}

/// The forms of a hit page: decide it, open a clue from it (when none is open).
pub(in crate::pages) fn hit_forms(
    p: &Principal,
    h: &HitRecord,
    open_clue: Option<&str>,
) -> Vec<ActionForm> {
    let mut out = Vec::new();
    let url = |a: &str| format!("/hits/{}/{a}", seg(&h.id));
    if machine::may(p.role, "decide") {
        out.push(
            form(
                "判定命中",
                "Decide the hit",
                url("decide"),
                vec![
                    Field::select(
                        "decision",
                        "判定",
                        "Decision",
                        vec![
                            choice("confirmed", "属实", "confirmed"),
                            choice("false_positive", "误报", "false positive"),
                            choice("unsure", "待定", "unsure"),
                        ],
                    )
                    .value(h.decision.clone().unwrap_or_default()),
                    note(false),
                ],
            )
            .submit("保存判定", "Save decision"),
        );
    }
    if open_clue.is_none() && machine::may(p.role, "open") {
        out.push(
            form(
                "登记为问题线索",
                "Open a clue from this hit",
                url("clue"),
                Vec::new(),
            )
            .submit("登记线索", "Open clue"),
        );
    }
    out
}
