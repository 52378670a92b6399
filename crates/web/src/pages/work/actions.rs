//! The clue and hit pages' forms: each posts here, goes through the same function as the API
//! (`crate::api`), and comes back to the page with the outcome.

use super::{act, done};
use crate::api::clues::{Transition, move_clue};
use crate::api::rectifications::{ItemVerification, NewItemIn, add_item, verify_item};
use crate::api::services;
use crate::error::ApiError;
use crate::pages::cockpit::seg;
use crate::state::AppState;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use qinglian_core::Msg;
use qinglian_store::Principal;
use qinglian_store::workflow::machine::person_form;

/// A submitted form as name/value pairs (a name may repeat).
type Fields = Vec<(String, String)>;

fn get<'a>(f: &'a Fields, name: &str) -> Option<&'a str> {
    f.iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

fn owned(f: &Fields, name: &str) -> Option<String> {
    get(f, name).map(str::to_owned)
}

fn csrf(f: &Fields) -> String {
    get(f, "csrf").unwrap_or_default().to_owned()
}

fn bad_number(field: &str, v: &str, zh: &str, en: &str) -> ApiError {
    ApiError::bad_request(Msg::new(
        "FORM_BAD_NUMBER",
        format!("“{zh}”（{field}）的值“{v}”无效：应为不小于 0 的数"),
        format!("'{en}' ({field}): '{v}' is invalid: expected a number not below 0"),
    ))
}

/// Outside the jurisdiction is 404 before anything else, whatever the role may do.
async fn visible_clue(state: &AppState, p: &Principal, id: &str) -> Result<(), ApiError> {
    state
        .store
        .get_clue(p, id)
        .await?
        .map(|_| ())
        .ok_or_else(ApiError::not_found)
}

async fn visible_hit(state: &AppState, p: &Principal, id: &str) -> Result<(), ApiError> {
    state
        .store
        .get_hit(p, id)
        .await?
        .map(|_| ())
        .ok_or_else(ApiError::not_found)
}

/// `POST /clues/{id}/move`: one state-machine step (`to`, `note`, `handler`, `unit`,
/// `person_<form>` counts).
pub async fn clue_move(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Response {
    let back = format!("/clues/{}", seg(&id));
    act(state, headers, &csrf(&f), back, |state, p| async move {
        let mut persons = std::collections::BTreeMap::new();
        for (name, v) in &f {
            let Some(form) = name.strip_prefix("person_") else {
                continue;
            };
            let v = v.trim();
            let n: i64 = match v {
                "" => 0,
                v => v
                    .parse()
                    .ok()
                    .filter(|n| *n >= 0)
                    .ok_or_else(|| bad_number(name, v, "处理人数", "persons handled"))?,
            };
            if n > 0 {
                let code = person_form(form).unwrap_or(form);
                persons.insert(code.to_owned(), n);
            }
        }
        let to = owned(&f, "to").unwrap_or_default();
        let t = Transition {
            to: to.clone(),
            note: owned(&f, "note"),
            handler: owned(&f, "handler"),
            unit: owned(&f, "unit"),
            persons,
        };
        visible_clue(&state, &p, &id).await?;
        move_clue(&state, &p, &id, t).await?;
        let st = qinglian_store::workflow::State::parse(&to);
        Ok((
            done(
                format!(
                    "线索 {id} 已转为“{}”",
                    st.map(|s| s.name_zh()).unwrap_or_default()
                ),
                format!("clue {id} moved to {to}"),
            ),
            None,
        ))
    })
    .await
}

/// `POST /clues/{id}/items`: add a rectification item (`text`, `deadline`, `from_hit`).
pub async fn clue_item_add(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Response {
    let back = format!("/clues/{}", seg(&id));
    act(state, headers, &csrf(&f), back, |state, p| async move {
        let a = NewItemIn {
            clue: id.clone(),
            text: owned(&f, "text").unwrap_or_default(),
            deadline: owned(&f, "deadline").unwrap_or_default(),
            from_hit: get(&f, "from_hit") == Some("yes"),
            indicator_id: None,
            subject: None,
        };
        let (_, seq) = add_item(&state, &p, a).await?;
        Ok((
            done(
                format!("已添加整改事项 {id}/{seq}"),
                format!("item {id}/{seq} added"),
            ),
            None,
        ))
    })
    .await
}

/// `POST /clues/{id}/items/{seq}/verify`: the supervisor's verification (`grade`, `note`,
/// `systems_improved`, `money_yuan`, `new_deadline`).
pub async fn clue_item_verify(
    State(state): State<AppState>,
    Path((id, seq)): Path<(String, i64)>,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Response {
    let back = format!("/clues/{}", seg(&id));
    act(state, headers, &csrf(&f), back, |state, p| async move {
        let money = match get(&f, "money_yuan") {
            None => 0,
            Some(v) => qinglian_core::money::parse_yuan(v)
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(|| {
                    bad_number("money_yuan", v, "挽回损失（元）", "money recovered (yuan)")
                })?,
        };
        let v = ItemVerification {
            grade: owned(&f, "grade").unwrap_or_default(),
            note: owned(&f, "note"),
            systems_improved: owned(&f, "systems_improved"),
            money_recovered_fen: money,
            new_deadline: owned(&f, "new_deadline"),
        };
        verify_item(&state, &p, &id, seq, v).await?;
        Ok((
            done(
                format!("整改事项 {id}/{seq} 已核查"),
                format!("item {id}/{seq} verified"),
            ),
            None,
        ))
    })
    .await
}

/// `POST /hits/{id}/decide`: confirmed / false positive / unsure, with a note.
pub async fn hit_decide(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Response {
    let back = format!("/hits/{}", seg(&id));
    act(state, headers, &csrf(&f), back, |state, p| async move {
        visible_hit(&state, &p, &id).await?;
        let ledger = &services(&state)?.ledger;
        let decision = owned(&f, "decision").unwrap_or_default();
        state
            .store
            .decide_hit(ledger, &p, &id, &decision, get(&f, "note"), (state.clock)())
            .await?;
        Ok((
            done(
                "判定已保存".to_owned(),
                format!("decision saved: {decision}"),
            ),
            None,
        ))
    })
    .await
}

/// `POST /hits/{id}/clue`: open a clue from the hit; on success the new clue's page.
pub async fn hit_open_clue(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Response {
    let back = format!("/hits/{}", seg(&id));
    act(state, headers, &csrf(&f), back, |state, p| async move {
        visible_hit(&state, &p, &id).await?;
        let ledger = &services(&state)?.ledger;
        let c = state
            .store
            .open_clue_from_hit(ledger, &p, &id, (state.clock)())
            .await?;
        Ok((
            done(
                format!("已登记线索 {}", c.id),
                format!("clue {} opened", c.id),
            ),
            Some(format!("/clues/{}", seg(&c.id))),
        ))
    })
    .await
}
