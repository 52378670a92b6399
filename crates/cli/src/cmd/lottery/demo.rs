//! The demo's lottery: a small 民办初中 admission lottery in the demo county, run end to end
//! (announce, register a synthetic roster, freeze, draw, publish) through the same code as the
//! commands. The beacon is the real drand quicknet round 123, carried inside the binary: the
//! demo needs no network and nothing outside the binary. Round 123 was public long before the
//! demo's roster froze, so the demo is a rehearsal (演练) and says so.

use super::args::RegisterArgs;
use super::{Ctx, public_page, register_from, write_publication};
use anyhow::Context;
use qinglian_core::DivisionCode;
use qinglian_core::ids::citizen_id_check_char;
use qinglian_lottery::beacon::QUICKNET;
use qinglian_store::ledger::Ledger;
use qinglian_store::{LotteryRecord, Principal, Store};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// drand quicknet round 123, as published by drand (same bytes as the LOT1 golden vectors).
const BEACON: &str = include_str!("demo-beacon.json");
const CEREMONY: &str = "dice=3,5,1,6,2,4,4,1,5,2\n";
pub const LOTTERY_ID: &str = "DEMO-330106-2026-G7";
const APPLICANTS: usize = 240;
const SCHOOLS: [(&str, u32); 4] = [("S01", 60), ("S02", 45), ("S03", 40), ("S04", 25)];

#[derive(Debug, Serialize)]
pub struct DemoLottery {
    pub lottery: LotteryRecord,
    pub published: PathBuf,
    pub receipts: PathBuf,
    pub public_page: String,
    /// One family to try the public page with (synthetic data).
    pub sample_id: String,
    pub sample_salt: String,
}

fn params() -> String {
    let mut lines = vec![
        format!("beacon.chain_hash={}", QUICKNET.chain_hash),
        format!("beacon.pubkey={}", QUICKNET.public_key),
        "beacon.round=123".to_owned(),
        format!("beacon.scheme={}", QUICKNET.scheme),
        format!("lottery_id={LOTTERY_ID}"),
        "mechanism=DA".to_owned(),
        "sibling.rule=min".to_owned(),
        "tiebreak=STB".to_owned(),
        "tier.1.label=学区内户籍与房产一致 / hukou and home in the catchment".to_owned(),
        "tier.2.label=学区内房产 / home in the catchment".to_owned(),
        "tier.3.label=其他 / other".to_owned(),
    ];
    lines.extend(SCHOOLS.iter().map(|(s, c)| format!("cap.{s}={c}")));
    lines.sort();
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// A deterministic stream of small numbers from the demo seed (not the draw's randomness:
/// that comes from the beacon).
struct Stream {
    state: [u8; 32],
    pos: usize,
}

impl Stream {
    fn new(seed: u64) -> Self {
        Stream {
            state: Sha256::digest(format!("qinglian-demo-lottery|{seed}")).into(),
            pos: 0,
        }
    }
    fn below(&mut self, n: u32) -> u32 {
        if self.pos >= 32 {
            self.state = Sha256::digest(self.state).into();
            self.pos = 0;
        }
        let b = u32::from(self.state[self.pos]);
        self.pos += 1;
        b % n
    }
}

/// The synthetic applicants file: valid IDs of children born 2013–2014 in 330106, one to three
/// choices, tiers, and a few twins sharing a sibling group and their choices.
fn applicants_csv(seed: u64) -> (String, Vec<String>) {
    let mut rng = Stream::new(seed);
    let mut csv = String::from("姓名,身份证号,志愿,兄弟姐妹组\n");
    let mut ids = Vec::with_capacity(APPLICANTS);
    let mut i = 0;
    while i < APPLICANTS {
        let twins = i % 37 == 5 && i + 1 < APPLICANTS;
        let n_choices = 1 + rng.below(3) as usize;
        let mut order: Vec<usize> = (0..SCHOOLS.len()).collect();
        for k in (1..order.len()).rev() {
            order.swap(k, rng.below(k as u32 + 1) as usize);
        }
        let choices: Vec<String> = order[..n_choices]
            .iter()
            .map(|&s| format!("{}:{}", SCHOOLS[s].0, 1 + rng.below(3)))
            .collect();
        let day = rng.below(28) + 1;
        let month = rng.below(12) + 1;
        let year = 2013 + rng.below(2);
        let births = if twins { 2 } else { 1 };
        for k in 0..births {
            let first17 = format!("330106{year}{month:02}{day:02}{:03}", i + k);
            let id = format!("{first17}{}", citizen_id_check_char(first17.as_bytes()));
            let group = if twins {
                format!("G{i:04}")
            } else {
                String::new()
            };
            let _ = writeln!(
                csv,
                "演示学生{:03},{id},{},{group}",
                i + k + 1,
                choices.join(";")
            );
            ids.push(id);
        }
        i += births;
    }
    (csv, ids)
}

/// Runs the demo lottery into `<dir>/lottery/` with the demo's store and ledger.
pub async fn run(
    ctx: &Ctx,
    store: &Store,
    ledger: &Ledger,
    dir: &Path,
    seed: u64,
) -> anyhow::Result<DemoLottery> {
    let op = Principal::operator();
    let now = super::super::now();
    let base = dir.join("lottery");
    std::fs::create_dir_all(&base)?;
    let county = DivisionCode::parse("330106")?;
    store
        .announce_lottery(
            ledger,
            &op,
            params().as_bytes(),
            "2026 年西湖区民办初中招生派位（演示）/ Xihu private junior middle schools 2026 (demo)",
            Some(&county),
            now,
        )
        .await?;
    let (csv, ids) = applicants_csv(seed);
    let file = base.join("applicants.csv");
    std::fs::write(&file, csv)?;
    let args = RegisterArgs {
        lottery: LOTTERY_ID.to_owned(),
        from: file,
        sheet: None,
        receipts: None,
        export: None,
    };
    let registered = match register_from(ctx, store, ledger, &op, &args).await? {
        Ok(r) => r,
        Err(_) => anyhow::bail!("演示报名失败 / the demo registration failed"),
    };
    store
        .freeze_lottery(ledger, &op, LOTTERY_ID, true, now)
        .await?;
    store
        .draw_lottery(
            ledger,
            &op,
            LOTTERY_ID,
            CEREMONY.as_bytes(),
            BEACON.as_bytes(),
            0,
            now,
        )
        .await?;
    let lottery = store.publish_lottery(ledger, &op, LOTTERY_ID, now).await?;
    let published = base.join("published");
    write_publication(store, LOTTERY_ID, &published).await?;
    let rep = qinglian_lottery::verify_all(&published);
    if !rep.passed() {
        anyhow::bail!(
            "演示抽签的公布文件未通过核验 / the demo lottery's publication does not verify:\n{}",
            rep.to_text()
        );
    }
    // Row 2 is the first family (row 1 holds the headers).
    let (_, salt) = registered
        .salts
        .iter()
        .find(|(row, _)| *row == 2)
        .context("sample family")?;
    Ok(DemoLottery {
        lottery,
        published,
        receipts: registered.receipts,
        public_page: public_page(&ctx.settings, LOTTERY_ID),
        sample_id: ids[0].clone(),
        sample_salt: salt.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_inputs_are_canonical_and_valid() {
        let p = qinglian_lottery::params::Params::parse(params().as_bytes()).unwrap();
        assert_eq!(p.lottery_id, LOTTERY_ID);
        assert!(p.beacon.is_some());
        qinglian_lottery::ceremony::Ceremony::parse(CEREMONY.as_bytes()).unwrap();
        let b = qinglian_lottery::beacon::Beacon::parse(BEACON.as_bytes()).unwrap();
        b.verify(p.beacon.as_ref().unwrap(), None)
            .expect("the embedded beacon verifies against the demo's pins");
        let (csv, ids) = applicants_csv(42);
        assert_eq!(ids.len(), APPLICANTS);
        assert_eq!(csv.lines().count(), APPLICANTS + 1);
        for id in &ids {
            qinglian_core::ids::validate_citizen_id(id).unwrap();
        }
        let unique: std::collections::BTreeSet<&String> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len());
        assert!(csv.contains(",G0005\n"), "twins share a group");
        assert_eq!(applicants_csv(42), applicants_csv(42));
    }
}
