//! Indicator pages: the catalogue (`/indicators`) and one rule card with its hits
//! (`/indicators/{id}`). The catalogue lives in the screening engine, which this crate does not
//! link: the caller hands the router plain [`IndicatorCard`]s (see `WebConfig::indicators`).

use super::area::{HIT_HEADERS, hit_rows};
use super::labels;
use super::{CockpitQuery, LIST_LIMIT, Page, fact, respond_cached, seg, text};
use crate::error::ApiError;
use crate::export::{Cell, Table};
use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use qinglian_store::cockpit::Area;
use serde::Serialize;

/// One indicator of the catalogue, as the cockpit shows it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct IndicatorCard {
    pub id: String,
    pub version: String,
    pub domain: String,
    /// `rule` or `statistical`.
    pub kind: String,
    /// `low`, `medium` or `high`.
    pub severity: String,
    /// Unit kind codes; empty: every kind.
    pub unit_kinds: Vec<String>,
    pub name_zh: String,
    pub name_en: String,
    pub why_zh: String,
    pub why_en: String,
    pub legal_basis_zh: String,
    pub legal_basis_en: String,
    pub exclusions_zh: String,
    pub exclusions_en: String,
    pub params: Vec<IndicatorParam>,
}

/// A parameter with its shipped default, as text (money in yuan).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct IndicatorParam {
    pub name: String,
    pub default: String,
    pub description_zh: String,
    pub description_en: String,
}

fn card_of<'a>(state: &'a AppState, id: &str) -> Option<&'a IndicatorCard> {
    state.cfg.indicators.iter().find(|c| c.id == id)
}

/// `GET /indicators`: the catalogue with each indicator's hits and measured precision inside
/// the jurisdiction.
pub async fn indicators_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    q: Result<Query<CockpitQuery>, QueryRejection>,
) -> Response {
    respond_cached(
        state,
        headers,
        q,
        "/indicators".into(),
        |state, p, _| async move {
            let precision = state.store.indicator_precision(&p).await?;
            let counts = state.store.cockpit_indicators(&p, &Area::All).await?;
            let mut t = Table::new(
                "indicators",
                "风险指标",
                "Indicators",
                &[
                    ("指标", "Indicator"),
                    ("名称", "Name"),
                    ("领域", "Domain"),
                    ("严重程度", "Severity"),
                    ("命中", "Hits"),
                    ("有效", "Active"),
                    ("实测准确率", "Measured precision"),
                ],
            );
            t.empty_zh = "未加载指标目录".into();
            t.empty_en = "no indicator catalogue loaded".into();
            for c in state.cfg.indicators.iter() {
                let n = counts.iter().find(|l| l.indicator_id == c.id);
                t.row(vec![
                    Cell::text(c.id.clone()).link(format!("/indicators/{}", seg(&c.id))),
                    Cell::pair(c.name_zh.clone(), c.name_en.clone()),
                    Cell::text(c.domain.clone()),
                    labels::severity(&c.severity),
                    Cell::int(n.map_or(0, |l| l.hits)),
                    Cell::int(n.map_or(0, |l| l.active)),
                    Cell::text(
                        precision
                            .get(&c.id)
                            .map_or_else(|| "-".into(), |p| p.label()),
                    ),
                ]);
            }
            Ok(Page {
                kicker_zh: "风险排查".into(),
                kicker_en: "screening".into(),
                title_zh: "风险指标目录".into(),
                title_en: "Indicator catalogue".into(),
                stem: "indicators".into(),
                tables: vec![t],
                ..Page::default()
            })
        },
    )
    .await
}

/// `GET /indicators/{id}`: the rule card and the indicator's hits inside the jurisdiction.
/// Unknown to the catalogue: 404.
pub async fn indicator_page(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    q: Result<Query<CockpitQuery>, QueryRejection>,
) -> Response {
    let path = format!("/indicators/{}", seg(&id));
    respond_cached(state, headers, q, path, |state, p, _| async move {
        let card = card_of(&state, &id)
            .cloned()
            .ok_or_else(ApiError::not_found)?;
        let precision = state.store.indicator_precision(&p).await?;
        let prec = precision.get(&card.id);
        let kinds = if card.unit_kinds.is_empty() {
            Cell::pair("全部", "all kinds")
        } else {
            let (zh, en): (Vec<String>, Vec<String>) =
                card.unit_kinds.iter().map(|k| labels::unit_kind(k)).unzip();
            Cell::pair(zh.join("、"), en.join(", "))
        };
        let facts = vec![
            fact("编号", "Id", Cell::text(card.id.clone())),
            fact("版本", "Version", Cell::text(card.version.clone())),
            fact("领域", "Domain", Cell::text(card.domain.clone())),
            fact(
                "类型",
                "Kind",
                match card.kind.as_str() {
                    "rule" => Cell::pair("规则", "rule"),
                    "statistical" => Cell::pair("统计", "statistical"),
                    k => Cell::text(k),
                },
            ),
            fact("严重程度", "Severity", labels::severity(&card.severity)),
            fact("适用单位", "Unit kinds", kinds),
            fact(
                "实测准确率（属实 ÷ 已判定）",
                "Measured precision (confirmed ÷ decided)",
                Cell::text(prec.map_or_else(|| "-".into(), |p| p.label())),
            ),
            fact(
                "判定：属实 / 误报 / 待定",
                "Decisions: confirmed / false positive / unsure",
                Cell::text(prec.map_or_else(
                    || "0 / 0 / 0".into(),
                    |p| format!("{} / {} / {}", p.confirmed, p.false_positive, p.unsure),
                )),
            ),
        ];
        let mut texts = vec![
            text("名称", "Name", &card.name_zh, &card.name_en),
            text("为何是风险", "Why it is a risk", &card.why_zh, &card.why_en),
            text(
                "依据",
                "Legal basis",
                &card.legal_basis_zh,
                &card.legal_basis_en,
            ),
        ];
        if !card.exclusions_zh.is_empty() || !card.exclusions_en.is_empty() {
            texts.push(text(
                "不适用情形",
                "Exclusions",
                &card.exclusions_zh,
                &card.exclusions_en,
            ));
        }
        let mut params = Table::new(
            "params",
            "参数（内置默认值；每条命中记录其实际参数）",
            "Parameters (shipped defaults; each hit records those it ran with)",
            &[
                ("参数", "Parameter"),
                ("默认值", "Default"),
                ("说明", "Description"),
            ],
        );
        for prm in &card.params {
            params.row(vec![
                Cell::text(prm.name.clone()),
                Cell::text(prm.default.clone()),
                Cell::pair(prm.description_zh.clone(), prm.description_en.clone()),
            ]);
        }
        let hits = state
            .store
            .cockpit_hits(&p, &Area::All, Some(&card.id), false, LIST_LIMIT + 1)
            .await?;
        let mut t = Table::new(
            "hits",
            "命中（含已判定）",
            "Hits (decided ones included)",
            HIT_HEADERS,
        );
        hit_rows(&mut t, &hits);
        Ok(Page {
            kicker_zh: "风险指标".into(),
            kicker_en: "indicator".into(),
            title_zh: format!("{} {}", card.id, card.name_zh),
            title_en: format!("{} {}", card.id, card.name_en),
            stem: format!("indicator-{}", card.id),
            facts,
            texts,
            tables: vec![params, t],
            ..Page::default()
        })
    })
    .await
}
