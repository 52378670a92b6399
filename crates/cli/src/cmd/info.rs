//! Read-only commands: `config`, `datasets`, `registry`.

use super::{Ctx, ensure_store};
use crate::cli::RegistryArgs;
use crate::output::{export_xlsx, print_json, table};
use qinglian_lake::Catalogue;
use qinglian_store::{Principal, UnitFilter};
use std::process::ExitCode;

pub fn config(ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let rows = ctx.settings.display_rows();
    if ctx.json {
        let map: std::collections::BTreeMap<_, _> = rows.into_iter().collect();
        print_json(&map);
    } else {
        table(
            &["设置 setting", "值 value"],
            &rows
                .into_iter()
                .map(|(k, v)| vec![k.to_owned(), v])
                .collect::<Vec<_>>(),
        );
        println!(
            "\n优先级：命令行 > 环境变量 > 配置文件 > 默认值 / precedence: flags > environment > file > defaults"
        );
        let docs: Vec<Vec<String>> = crate::config::SETTINGS
            .iter()
            .map(|s| {
                vec![
                    s.key.into(),
                    s.flag.into(),
                    s.env.into(),
                    s.default.into(),
                    format!("{} / {}", s.zh, s.en),
                ]
            })
            .collect();
        table(
            &[
                "键 toml key",
                "命令行 flag",
                "环境变量 env",
                "默认 default",
                "说明 meaning",
            ],
            &docs,
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn datasets(name: Option<&str>, json: bool) -> anyhow::Result<ExitCode> {
    let all: Vec<_> = Catalogue::builtin()
        .all()
        .iter()
        .filter(|d| name.is_none_or(|n| d.name == n))
        .collect();
    if let Some(n) = name.filter(|_| all.is_empty()) {
        qinglian_lake::schema_of(n)?;
    }
    if json {
        print_json(&all);
        return Ok(ExitCode::SUCCESS);
    }
    for d in all {
        println!(
            "{} {}（{}）— {} / {}",
            d.name, d.name_zh, d.domain, d.description_zh, d.description_en
        );
        let rows: Vec<Vec<String>> = d
            .columns
            .iter()
            .map(|c| {
                let mut ty = c.ty.as_str().to_owned();
                if !c.values.is_empty() {
                    ty += &format!(
                        " [{}]",
                        c.values
                            .iter()
                            .map(|v| format!("{}={}", v.code, v.zh))
                            .collect::<Vec<_>>()
                            .join(" ")
                    );
                }
                vec![
                    c.name.clone(),
                    c.aliases.join("、"),
                    ty,
                    if c.required {
                        "是 yes".into()
                    } else {
                        String::new()
                    },
                    if d.key.contains(&c.name) {
                        "键 key".into()
                    } else {
                        String::new()
                    },
                ]
            })
            .collect();
        table(
            &[
                "列 column",
                "中文表头 aliases",
                "类型 type",
                "必填 required",
                "",
            ],
            &rows,
        );
        println!();
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn registry(ctx: &Ctx, a: &RegistryArgs) -> anyhow::Result<ExitCode> {
    let store = ensure_store(&ctx.settings).await?.store;
    let op = Principal::operator();
    let (headers, rows): (Vec<&str>, Vec<Vec<String>>) = match a.table.as_str() {
        "divisions" => {
            let mut list = store.list_divisions(&op, a.division.as_deref()).await?;
            list.truncate(a.limit.max(0) as usize);
            if ctx.json {
                print_json(&list);
            }
            (
                vec!["代码 code", "名称 name", "级别 level", "上级 parent"],
                list.into_iter()
                    .map(|d| vec![d.code, d.name, d.level, d.parent_code.unwrap_or_default()])
                    .collect(),
            )
        }
        "units" => {
            let f = UnitFilter {
                division: a.division.clone(),
                kind: a.kind.clone(),
                limit: a.limit,
                ..Default::default()
            };
            let list = store.list_units(&op, &f).await?;
            if ctx.json {
                print_json(&list);
            }
            (
                vec![
                    "单位编号 unit_id",
                    "名称 name",
                    "类型 kind",
                    "区划 division",
                    "统一社会信用代码 USCC",
                    "上级单位 parent",
                ],
                list.into_iter()
                    .map(|u| {
                        let kind = u
                            .kind
                            .parse::<qinglian_core::UnitKind>()
                            .map_or(u.kind.clone(), |k| k.name_zh().to_owned());
                        vec![
                            u.unit_id,
                            u.name,
                            kind,
                            u.division_code,
                            u.uscc.unwrap_or_default(),
                            u.parent_unit_id.unwrap_or_default(),
                        ]
                    })
                    .collect(),
            )
        }
        "people" => {
            let list = store
                .list_people(&op, a.unit.as_deref(), a.limit, 0)
                .await?;
            if ctx.json {
                print_json(&list);
            }
            (
                vec![
                    "人员编号 person_id",
                    "姓名 name",
                    "身份证号 citizen_id",
                    "区划 division",
                    "单位 unit",
                ],
                list.into_iter()
                    .map(|p| {
                        vec![
                            p.person_id,
                            p.name,
                            p.citizen_id,
                            p.division_code,
                            p.unit_id.unwrap_or_default(),
                        ]
                    })
                    .collect(),
            )
        }
        "posts" => {
            let list = store
                .list_posts(&op, a.unit.as_deref(), a.key_only, a.limit)
                .await?;
            if ctx.json {
                print_json(&list);
            }
            (
                vec![
                    "岗位编号 post_id",
                    "单位 unit",
                    "人员 person",
                    "职务 title",
                    "关键岗位 key area",
                    "一把手 head",
                    "任职 start",
                    "离任 end",
                ],
                list.into_iter()
                    .map(|p| {
                        vec![
                            p.post_id,
                            p.unit_id,
                            p.person_id,
                            p.title,
                            p.key_area.unwrap_or_default(),
                            if p.is_head {
                                "是".into()
                            } else {
                                String::new()
                            },
                            p.start_date,
                            p.end_date.unwrap_or_default(),
                        ]
                    })
                    .collect(),
            )
        }
        "relations" => {
            let people = store.list_person_relations(&op, a.limit).await?;
            let orgs = store.list_org_relations(&op, a.limit).await?;
            if ctx.json {
                print_json(&serde_json::json!({"person_relations": people, "org_relations": orgs}));
            }
            let mut rows: Vec<Vec<String>> = people
                .into_iter()
                .map(|r| vec![r.person_id, r.relation, r.related_person_id, String::new()])
                .collect();
            rows.extend(orgs.into_iter().map(|r| {
                let share = r.share_pct.map(|s| format!("{s:.2}%")).unwrap_or_default();
                vec![
                    r.person_id,
                    r.role,
                    format!("{} {}", r.org_name, r.org_uscc).trim().to_owned(),
                    share,
                ]
            }));
            (
                vec![
                    "人员 person",
                    "关系 relation",
                    "对方 counterpart",
                    "持股 share",
                ],
                rows,
            )
        }
        other => anyhow::bail!(
            "未知登记表“{other}”：应为 divisions、units、people、posts 或 relations / unknown registry table '{other}': expected divisions, units, people, posts or relations"
        ),
    };
    store.close().await;
    if let Some(path) = &a.export {
        export_xlsx(path, &a.table, &headers, &rows)?;
        if !ctx.json {
            println!(
                "已导出 {} 行到 {} / exported {} rows to {}",
                rows.len(),
                path.display(),
                rows.len(),
                path.display()
            );
        }
    } else if !ctx.json {
        table(&headers, &rows);
    }
    Ok(ExitCode::SUCCESS)
}
