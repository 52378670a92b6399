//! `GET /my-unit` (主体责任): the unit's rectification items still owed (open and reported, on
//! clues being rectified) with a form per open item to file the rectification report with
//! evidence files, and the letters addressed to the unit with a form to acknowledge them.
//! Every other role sees the same for its jurisdiction, with the forms its role allows.

use super::forms::report_form;
use super::{Field, act, done, form};
use crate::api::evidence::{ReportInput, file_report};
use crate::api::services;
use crate::error::ApiError;
use crate::export::{Cell, Table};
use crate::pages::cockpit::{CockpitQuery, LIST_LIMIT, Page, day, labels, respond, seg, unit_cell};
use crate::state::AppState;
use crate::upload::read_form;
use axum::Form;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::NaiveDate;
use qinglian_core::Msg;
use qinglian_store::letters::LetterFilter;
use qinglian_store::workflow::{Grade, machine};

pub async fn my_unit_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    q: Result<Query<CockpitQuery>, QueryRejection>,
) -> Response {
    respond(
        state,
        headers,
        q,
        "/my-unit".into(),
        |state, p, _| async move {
            let now = (state.clock)();
            let clues: Vec<_> = state
                .store
                .list_clues(&p)
                .await?
                .into_iter()
                .filter(|c| c.status == "rectifying")
                .take(LIST_LIMIT as usize)
                .collect();
            let mut t = Table::new(
                "items",
                "本单位待整改事项",
                "Rectification items my unit owes",
                &[
                    ("线索", "Clue"),
                    ("序号", "No."),
                    ("单位", "Unit"),
                    ("整改要求", "Item"),
                    ("期限", "Deadline"),
                    ("逾期", "Overdue"),
                    ("状态", "State"),
                    ("已报告", "Reported"),
                    ("佐证文件数", "Evidence files"),
                ],
            );
            let mut et = Table::new(
                "evidence",
                "已提交的佐证材料",
                "Evidence filed",
                &[
                    ("事项", "Item"),
                    ("文件", "File"),
                    ("大小（字节）", "Size (bytes)"),
                    ("SHA-256", "SHA-256"),
                ],
            );
            et.empty_zh = "暂无".into();
            et.empty_en = "none".into();
            let mut forms = Vec::new();
            for c in &clues {
                for i in state.store.clue_items(&c.id).await? {
                    if i.status == "rectified" {
                        continue;
                    }
                    let evidence = state.store.item_evidence(&p, &c.id, i.seq).await?;
                    for f in &evidence {
                        let name = Cell::text(f.name.clone());
                        et.row(vec![
                            Cell::text(format!("{}/{}", c.id, i.seq)),
                            if f.stored {
                                name.link(format!(
                                    "/api/v1/rectifications/{}/{}/evidence/{}",
                                    seg(&c.id),
                                    i.seq,
                                    f.sha256
                                ))
                            } else {
                                name
                            },
                            Cell::int(f.size),
                            Cell::text(f.sha256.clone()),
                        ]);
                    }
                    t.row(vec![
                        Cell::text(c.id.clone()).link(format!("/clues/{}", seg(&c.id))),
                        Cell::int(i.seq),
                        unit_cell(&c.unit_id, None),
                        Cell::text(i.text.clone()),
                        Cell::text(day(i.deadline)),
                        if i.status == "open" && i.deadline < now {
                            Cell::pair("逾期", "overdue")
                        } else {
                            Cell::text("-")
                        },
                        labels::item_state(&i.status),
                        match i.report.as_deref().and_then(Grade::parse) {
                            Some(g) => Cell::pair(g.name_zh(), g.as_str()),
                            None => Cell::text("-"),
                        },
                        Cell::int(evidence.len() as i64),
                    ]);
                    if i.status == "open" && machine::may(p.role, "item_report") {
                        forms.push(report_form(c, &i));
                    }
                }
            }
            t.empty_zh = "没有待整改事项".into();
            t.empty_en = "no items owed".into();
            let letters: Vec<_> = state
                .store
                .list_letters(&p, &LetterFilter::default())
                .await?
                .into_iter()
                .filter(|l| l.status != "acknowledged")
                .take(LIST_LIMIT as usize)
                .collect();
            let mut lt = Table::new(
                "letters",
                "待签收的函件（一书一单一函）",
                "Letters to acknowledge",
                &[
                    ("编号", "Number"),
                    ("种类", "Kind"),
                    ("单位", "Unit"),
                    ("签发日期", "Issued"),
                    ("状态", "Status"),
                ],
            );
            for l in &letters {
                lt.row(vec![
                    Cell::text(l.number.clone()),
                    labels::letter_kind(&l.kind),
                    unit_cell(&l.unit_id, None),
                    Cell::text(l.issued_on.clone()),
                    labels::letter_status(&l.status),
                ]);
                if machine::may(p.role, "letter_ack") {
                    forms.push(
                        form(
                            &format!("签收 {}", l.number),
                            &format!("Acknowledge {}", l.number),
                            format!("/my-unit/letters/{}/ack", seg(&l.id)),
                            vec![
                                Field::new("signed_on", "签收日期", "Signature date", "date")
                                    .required()
                                    .value(day(now)),
                                Field::new("signer", "签收人", "Signed by", "text"),
                            ],
                        )
                        .submit("签收", "Acknowledge"),
                    );
                }
            }
            lt.empty_zh = "没有待签收的函件".into();
            lt.empty_en = "no letters to acknowledge".into();
            Ok(Page {
                kicker_zh: "主体责任".into(),
                kicker_en: "unit".into(),
                title_zh: "本单位整改与函件".into(),
                title_en: "My unit: rectification and letters".into(),
                stem: "my-unit".into(),
                tables: vec![t, et, lt],
                forms,
                ..Page::default()
            })
        },
    )
    .await
}

/// `POST /my-unit/items/{clue}/{seq}/report` (multipart: `grade`, `note`, files `file`): the
/// same report step as the API, files kept by SHA-256.
pub async fn unit_item_report(
    State(state): State<AppState>,
    Path((clue, seq)): Path<(String, i64)>,
    headers: HeaderMap,
    form: Result<Multipart, MultipartRejection>,
) -> Response {
    let parsed = match form {
        Ok(m) => read_form(m).await,
        Err(e) => Err(ApiError::bad_request(Msg::new(
            "BAD_BODY",
            format!("表单无效：{}", e.body_text()),
            format!("invalid form: {}", e.body_text()),
        ))),
    };
    let (csrf, input) = match parsed {
        Ok(f) => (
            f.text("csrf").unwrap_or_default().to_owned(),
            Ok(ReportInput::from_form(f)),
        ),
        Err(e) => (String::new(), Err(e)),
    };
    if let Err(e) = &input
        && e.status == axum::http::StatusCode::PAYLOAD_TOO_LARGE
    {
        let (lang, _) = crate::pages::resolve_lang(None, &headers, state.https());
        return crate::pages::error_page(lang, e);
    }
    act(
        state,
        headers,
        &csrf,
        "/my-unit".into(),
        |state, p| async move {
            let r = input?;
            let n = r.files.len();
            file_report(&state, &p, &clue, seq, &r).await?;
            Ok((
                done(
                    format!("已提交整改事项 {clue}/{seq} 的整改报告（{n} 个佐证文件）"),
                    format!("report on item {clue}/{seq} filed ({n} evidence files)"),
                ),
                None,
            ))
        },
    )
    .await
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct AckForm {
    pub csrf: String,
    pub signed_on: String,
    pub signer: String,
}

/// `POST /my-unit/letters/{id}/ack`: the signature date on the receipt (签收回执).
pub async fn letter_ack(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(f): Form<AckForm>,
) -> Response {
    act(
        state,
        headers,
        &f.csrf,
        "/my-unit".into(),
        |state, p| async move {
            let ledger = &services(&state)?.ledger;
            let l = state
                .store
                .get_letter(&p, &id)
                .await?
                .ok_or_else(ApiError::not_found)?;
            let d = f.signed_on.trim();
            let signed_on = NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| {
                ApiError::bad_request(Msg::new(
                    "BAD_DATE",
                    format!("签收日期“{d}”无效：应为 YYYY-MM-DD"),
                    format!("invalid signature date '{d}': expected YYYY-MM-DD"),
                ))
            })?;
            state
                .store
                .acknowledge_letter(
                    ledger,
                    &p,
                    &l.id,
                    signed_on,
                    Some(&f.signer),
                    (state.clock)(),
                )
                .await?;
            Ok((
                done(
                    format!("已签收 {}", l.number),
                    format!("{} acknowledged", l.number),
                ),
                None,
            ))
        },
    )
    .await
}
