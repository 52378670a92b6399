//! `GET /hits/{id}`: one hit with its explanation and numbers, the measured values against
//! thresholds and peer statistics, the subject keys, the data snapshots it was computed on (its
//! evidence as recorded), the triage decision and the clues opened from it.

use super::labels;
use super::{CockpitQuery, Page, fact, minute, respond_cached, seg, text, unit_cell};
use crate::error::ApiError;
use crate::export::{Cell, Table};
use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::Value;

/// A JSON value as one cell: numbers stay numbers, text stays text, the rest compact JSON.
fn value_cell(v: &Value) -> Cell {
    match v {
        Value::Number(n) => match n.as_i64() {
            Some(i) => Cell::int(i),
            None => Cell {
                num: n.as_f64(),
                ..Cell::text(n.to_string())
            },
        },
        Value::String(s) => Cell::text(s.clone()),
        Value::Bool(true) => Cell::pair("是", "yes"),
        Value::Bool(false) => Cell::pair("否", "no"),
        Value::Null => Cell::text("-"),
        other => Cell::text(other.to_string()),
    }
}

/// A JSON object as a two-column table (name, value); nested objects one level flattened as
/// `outer.inner`.
fn object_table(id: &str, zh: &str, en: &str, v: &Value) -> Table {
    let mut t = Table::new(id, zh, en, &[("名称", "Name"), ("值", "Value")]);
    if let Some(m) = v.as_object() {
        for (k, v) in m {
            match v.as_object() {
                Some(inner) => {
                    for (ik, iv) in inner {
                        t.row(vec![Cell::text(format!("{k}.{ik}")), value_cell(iv)]);
                    }
                }
                None => t.row(vec![Cell::text(k.clone()), value_cell(v)]),
            }
        }
    }
    t
}

/// The lake records behind the hit, one table per dataset and key (exported like the rest).
fn record_tables(found: Vec<crate::analysis::EvidenceTable>) -> Vec<Table> {
    found
        .into_iter()
        .enumerate()
        .map(|(i, e)| {
            let headers: Vec<(&str, &str)> = e
                .columns
                .iter()
                .map(|(name, zh)| (zh.as_str(), name.as_str()))
                .collect();
            let masked = if e.masked {
                "（个人信息已脱敏）"
            } else {
                ""
            };
            let mut t = Table::new(
                &format!("records-{i}"),
                &format!("证据记录：{}（{} = {}）{masked}", e.name_zh, e.key, e.value),
                &format!(
                    "Evidence records: {} ({} = {}){}",
                    e.dataset,
                    e.key,
                    e.value,
                    if e.masked {
                        " (personal data masked)"
                    } else {
                        ""
                    }
                ),
                &headers,
            );
            for r in e.rows {
                t.row(r.into_iter().map(Cell::text).collect());
            }
            t.truncated = e.truncated;
            t
        })
        .collect()
}

pub async fn hit_page(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    q: Result<Query<CockpitQuery>, QueryRejection>,
) -> Response {
    let path = format!("/hits/{}", seg(&id));
    respond_cached(state, headers, q, path, |state, p, _| async move {
        let h = state
            .store
            .get_hit(&p, &id)
            .await?
            .ok_or_else(ApiError::not_found)?;
        let clues = state.store.clues_of_hit(&p, &h.id).await?;
        let names = state
            .store
            .unit_names(&p, std::slice::from_ref(&h.unit_id))
            .await?;
        let card = state.cfg.indicators.iter().find(|c| c.id == h.indicator_id);
        let mut facts = vec![
            fact("命中编号", "Hit id", Cell::text(h.id.clone())),
            fact(
                "指标",
                "Indicator",
                Cell::text(match card {
                    Some(c) => format!("{} {} / {}", h.indicator_id, c.name_zh, c.name_en),
                    None => h.indicator_id.clone(),
                })
                .link(format!("/indicators/{}", seg(&h.indicator_id))),
            ),
            fact(
                "指标版本",
                "Indicator version",
                Cell::text(h.indicator_version.clone()),
            ),
            fact("严重程度", "Severity", labels::severity(&h.severity)),
            fact(
                "单位",
                "Unit",
                unit_cell(&h.unit_id, names.get(&h.unit_id).map(|n| n.0.as_str())),
            ),
        ];
        if !h.division_code.is_empty() {
            facts.push(fact(
                "区划",
                "Division",
                Cell::text(h.division_code.clone())
                    .link(format!("/divisions/{}", seg(&h.division_code))),
            ));
        }
        facts.extend([
            fact(
                "首次发现",
                "First seen",
                Cell::text(minute(h.first_seen_at)),
            ),
            fact("最近发现", "Last seen", Cell::text(minute(h.last_seen_at))),
            fact("发现次数", "Times seen", Cell::int(h.times_seen)),
            fact("判定", "Decision", labels::decision(h.decision.as_deref())),
        ]);
        if let (Some(by), Some(at)) = (&h.decided_by, h.decided_at) {
            facts.push(fact(
                "判定人 / 时间",
                "Decided by / at",
                Cell::text(format!("{by} · {}", minute(at))),
            ));
        }
        for (cid, status) in &clues {
            let st = labels::clue_state(status);
            facts.push(fact(
                "线索",
                "Clue",
                Cell::text(format!(
                    "{cid} · {} {}",
                    st.zh,
                    st.en.clone().unwrap_or_default()
                ))
                .link(format!("/clues/{}", seg(cid))),
            ));
        }
        let open_clue = clues
            .iter()
            .find(|(_, s)| !matches!(s.as_str(), "closed" | "concluded"))
            .map(|(id, _)| id.as_str());
        let texts = vec![
            text(
                "说明（值得关注的线索，不是结论）",
                "Explanation (a reason to look, not a verdict)",
                &h.explanation_zh,
                &h.explanation_en,
            ),
            text(
                "怎样才不会触发",
                "What would not have fired",
                &h.counterfactual_zh,
                &h.counterfactual_en,
            ),
        ];
        let mut evidence = Table::new(
            "evidence",
            "证据：计算所用数据快照",
            "Evidence: the data snapshots it was computed on",
            &[
                ("数据集", "Dataset"),
                ("快照哈希", "Snapshot hash"),
                ("批次", "Batches"),
                ("行数", "Rows"),
            ],
        );
        if let Some(m) = h.inputs.as_object() {
            for (ds, snap) in m {
                let get = |k: &str| snap.get(k).map_or_else(|| Cell::text("-"), value_cell);
                evidence.row(vec![
                    Cell::text(ds.clone()),
                    get("hash"),
                    get("batches"),
                    get("rows"),
                ]);
            }
        }
        let mut volatile = false;
        let records = match state.services.as_ref().and_then(|s| s.analysis.clone()) {
            // The records are a help, not the page: a lake that cannot be read leaves them out
            // (and the page is not kept, so the next view tries again).
            Some(a) => match a.evidence(h.clone()).await {
                Ok(found) => record_tables(found),
                Err(e) => {
                    tracing::warn!(hit = %h.id, error = %e, "evidence records unavailable");
                    volatile = true;
                    Vec::new()
                }
            },
            None => Vec::new(),
        };
        let mut tables = vec![
            object_table("values", "实测值", "Measured values", &h.values),
            object_table(
                "thresholds",
                "阈值与同类统计",
                "Thresholds and peer statistics",
                &h.thresholds,
            ),
            object_table("params", "运行参数", "Parameters of the run", &h.params),
            object_table(
                "subject",
                "主体与记录键",
                "Subject and record keys",
                &h.subject,
            ),
            evidence,
        ];
        tables.extend(records);
        Ok(Page {
            kicker_zh: "命中".into(),
            kicker_en: "hit".into(),
            title_zh: format!("命中 {}", h.id.chars().take(12).collect::<String>()),
            title_en: format!("Hit {}", h.id.chars().take(12).collect::<String>()),
            stem: format!("hit-{}", h.id.chars().take(16).collect::<String>()),
            forms: crate::pages::work::hit_forms(&p, &h, open_clue),
            facts,
            texts,
            tables,
            volatile,
            ..Page::default()
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn objects_flatten_one_level() {
        let t = object_table(
            "x",
            "x",
            "x",
            &json!({"rent": 1200, "peer": {"median": 2.5}, "ok": true, "note": "a"}),
        );
        let flat: Vec<(String, String)> = t
            .rows
            .iter()
            .map(|r| (r[0].zh.clone(), r[1].zh.clone()))
            .collect();
        assert_eq!(
            flat,
            [
                ("note".into(), "a".into()),
                ("ok".into(), "是".into()),
                ("peer.median".into(), "2.5".into()),
                ("rent".into(), "1200".into()),
            ]
        );
        assert_eq!(t.rows[3][1].num, Some(1200.0));
    }
}
