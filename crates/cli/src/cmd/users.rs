//! `users` and `tokens`.

use super::{Ctx, ensure_store, now};
use crate::cli::{TokensCmd, UserAddArgs, UsersCmd};
use crate::output::{print_json, table};
use qinglian_core::{DivisionCode, Role};
use qinglian_store::NewUser;
use std::io::BufRead;
use std::process::ExitCode;

pub async fn users(ctx: &Ctx, c: UsersCmd) -> anyhow::Result<ExitCode> {
    let env = ensure_store(&ctx.settings).await?;
    let (store, ledger) = (env.store, env.ledger);
    match c {
        UsersCmd::Add(a) => add(ctx, &store, &ledger, a).await?,
        UsersCmd::List => {
            let list = store.list_users().await?;
            if ctx.json {
                let v: Vec<_> = list
                    .iter()
                    .map(|(u, d, un)| serde_json::json!({"username": u.username, "display_name": u.display_name, "role": u.role, "disabled": u.disabled, "jurisdictions": d, "units": un}))
                    .collect();
                print_json(&v);
            } else {
                let rows: Vec<Vec<String>> = list
                    .into_iter()
                    .map(|(u, d, un)| {
                        let role = u.role.parse::<Role>().map_or(u.role.clone(), |r| {
                            format!("{} {}", r.as_str(), r.name_zh())
                        });
                        vec![
                            u.username,
                            u.display_name,
                            role,
                            [d, un].concat().join(" "),
                            if u.disabled {
                                "停用 disabled".into()
                            } else {
                                String::new()
                            },
                        ]
                    })
                    .collect();
                table(
                    &[
                        "用户名 username",
                        "名称 name",
                        "角色 role",
                        "管辖 scope",
                        "状态 status",
                    ],
                    &rows,
                );
            }
        }
        UsersCmd::Disable { username } => {
            store
                .set_user_disabled(&ledger, &username, true, now())
                .await?;
            println!(
                "已停用 {username}，其会话和令牌立即失效 / disabled {username}; its sessions and tokens stop working now"
            );
        }
        UsersCmd::Enable { username } => {
            store
                .set_user_disabled(&ledger, &username, false, now())
                .await?;
            println!("已启用 {username} / enabled {username}");
        }
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

async fn add(
    ctx: &Ctx,
    store: &qinglian_store::Store,
    ledger: &qinglian_store::ledger::Ledger,
    a: UserAddArgs,
) -> anyhow::Result<()> {
    let role: Role = a.role.parse()?;
    let divisions = a
        .jurisdictions
        .iter()
        .map(|d| DivisionCode::parse(d))
        .collect::<Result<Vec<_>, _>>()?;
    let (password, generated) = if a.password_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        (line.trim_end_matches(['\r', '\n']).to_owned(), false)
    } else {
        (qinglian_store::random_password(), true)
    };
    let u = store
        .create_user(
            ledger,
            &NewUser {
                display_name: a.name.clone().unwrap_or_else(|| a.username.clone()),
                username: a.username,
                password: password.clone(),
                role,
                divisions,
                units: a.units,
            },
            now(),
        )
        .await?;
    if ctx.json {
        print_json(
            &serde_json::json!({"username": u.username, "role": u.role, "password": generated.then_some(password)}),
        );
    } else {
        println!(
            "已创建用户 {}（{} {}）/ created user {}",
            u.username,
            role.name_zh(),
            role.name_en(),
            u.username
        );
        if generated {
            println!("初始密码（只显示这一次）/ initial password (shown only now): {password}");
        }
    }
    Ok(())
}

pub async fn tokens(ctx: &Ctx, c: TokensCmd) -> anyhow::Result<ExitCode> {
    let env = ensure_store(&ctx.settings).await?;
    let (store, ledger) = (env.store, env.ledger);
    match c {
        TokensCmd::Create { user, name } => {
            let (id, secret) = store.create_token(&ledger, &user, &name, now()).await?;
            if ctx.json {
                print_json(&serde_json::json!({"id": id, "user": user, "token": secret}));
            } else {
                println!(
                    "令牌 #{id}（用户 {user}，权限与该用户相同）/ token #{id} (user {user}, same scope as the user)"
                );
                println!("请立即保存，之后不再显示 / store it now, it is not shown again:");
                println!("{secret}");
            }
        }
        TokensCmd::Revoke { id } => {
            store.revoke_token(&ledger, id, now()).await?;
            println!("已吊销令牌 #{id} / revoked token #{id}");
        }
        TokensCmd::List => {
            let list = store.list_tokens().await?;
            if ctx.json {
                print_json(&list);
            } else {
                let fmt = |t: Option<i64>| {
                    t.and_then(|t| chrono::DateTime::from_timestamp(t, 0))
                        .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
                        .unwrap_or_default()
                };
                let rows: Vec<Vec<String>> = list
                    .into_iter()
                    .map(|t| {
                        vec![
                            t.id.to_string(),
                            t.username,
                            t.name,
                            format!("{}…", t.prefix),
                            fmt(Some(t.created_at)),
                            fmt(t.last_used_at),
                            fmt(t.revoked_at),
                        ]
                    })
                    .collect();
                table(
                    &[
                        "编号 id",
                        "用户 user",
                        "用途 name",
                        "前缀 prefix",
                        "创建 created",
                        "最近使用 last used",
                        "吊销 revoked",
                    ],
                    &rows,
                );
            }
        }
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}
