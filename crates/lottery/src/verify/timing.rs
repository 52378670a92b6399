//! Timing evidence (§4.7 step 4): what is supplied is checked, what is absent is reported.

use crate::beacon::pinned_chain;
use crate::params::Params;

use super::report::{Report, Status};

/// Timing evidence (§4.7 step 4). All optional: what is absent is reported, not failed.
#[derive(Debug, Clone, Default)]
pub struct TimingEvidence {
    /// Final roster commit time T4 (unix seconds) from a notary, TSA or ledger timestamp.
    pub t4_commit_unix: Option<i64>,
    /// The latest drand round published at T4: proves the commit was not made before it.
    pub not_before_round: Option<u64>,
    /// When the ceremony finished (T5), from the notary; must precede time(R).
    pub ceremony_done_unix: Option<i64>,
    /// Required gap between T4 and time(R); LOT1 says at least one hour.
    pub margin_secs: i64,
}

pub(crate) fn timing(rep: &mut Report, params: Option<&Params>, ev: Option<&TimingEvidence>) {
    let Some(ev) = ev else {
        rep.push("(timing)", "timing", Status::NoEvidence, "未提供时间证据（T4 提交时间、不早于轮次、公证时间戳）：未检查，不判为失败", "no timing evidence supplied (T4 commit time, not-before round, notary timestamps): not checked, not failed");
        return;
    };
    let Some(pin) = params.and_then(|p| p.beacon.as_ref()) else {
        rep.push(
            "(timing)",
            "timing",
            Status::Skipped,
            "无信标参数",
            "no beacon pins",
        );
        return;
    };
    let Some(chain) = pinned_chain(&pin.chain_hash) else {
        rep.push(
            "(timing)",
            "timing",
            Status::Warn,
            "未知链，无法换算轮次时间",
            "unknown chain: cannot convert rounds to time",
        );
        return;
    };
    let t_r = chain.time_of_round(pin.round);
    if let Some(t4) = ev.t4_commit_unix {
        if t_r >= t4.saturating_add(ev.margin_secs) {
            rep.push(
                "(timing)",
                "timing-t4-margin",
                Status::Pass,
                format!(
                    "time(R)={t_r} 不早于 T4={t4} 加 {} 秒（证据：公证/TSA 时间戳）",
                    ev.margin_secs
                ),
                format!(
                    "time(R)={t_r} ≥ T4={t4} + {} s (evidence: notary/TSA timestamp)",
                    ev.margin_secs
                ),
            );
        } else {
            rep.push(
                "(timing)",
                "timing-t4-margin",
                Status::Fail,
                format!(
                    "R 过早：time(R)={t_r} 早于 T4={t4} 加 {} 秒",
                    ev.margin_secs
                ),
                format!(
                    "R too early: time(R)={t_r} < T4={t4} + {} s",
                    ev.margin_secs
                ),
            );
        }
    }
    if let Some(nb) = ev.not_before_round {
        if nb < pin.round {
            rep.push(
                "(timing)",
                "timing-not-before",
                Status::Pass,
                format!("T4 时嵌入的轮次 {nb} 早于 R（证据：drand 轮次）"),
                format!("round {nb} embedded at T4 precedes R (evidence: drand round)"),
            );
        } else {
            rep.push("(timing)", "timing-not-before", Status::Fail, format!("T4 时嵌入的轮次 {nb} 不早于 R={}：R 在提交时已存在", pin.round), format!("not-before round {nb} is not earlier than R={}: R already existed at the commit", pin.round));
        }
    }
    if let Some(t5) = ev.ceremony_done_unix {
        if t5 < t_r {
            rep.push(
                "(timing)",
                "timing-ceremony",
                Status::Pass,
                "仪式在 time(R) 之前结束（证据：公证时间）",
                "ceremony finished before time(R) (evidence: notary time)",
            );
        } else {
            rep.push(
                "(timing)",
                "timing-ceremony",
                Status::Fail,
                "仪式在 time(R) 之后才结束",
                "ceremony finished after time(R)",
            );
        }
    }
}
