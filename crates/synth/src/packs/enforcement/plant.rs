//! Planted cases, near misses and legitimate outliers of every LE indicator of
//! `/work/spec/le-semantics.md`, each on stops, cases and officers of its own, with their
//! ground-truth entries (keys as the hit's subject).

use super::cases::{Built, Gen, Hearing, Publish, Review};
use super::*;
use crate::truth::{AnomalyKind, Expect};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Plant {
    R01AdminOver,
    R01AdminStopOver,
    R01PsOver,
    R01PsExtOver,
    R01AdminExact,
    R01AdminStopExact,
    R01PsExact,
    R01PsExt50,
    R02Plain5,
    R02Nv10,
    R02Mc35,
    R02Plain3,
    R02Nv7,
    R02Mc30,
    R03NoCo,
    R03AuxCo,
    R03SameCo,
    R03RegisteredAlone,
    R03SummaryAlone,
    R03TwoSworn,
    R04NoAv,
    R04ShortAv,
    R04Exact30,
    R04AtStart,
    R04Open,
    R05EvidenceDeleted,
    R05Early,
    R05Exact180,
    R05EvidenceKept,
    R06NoReview,
    R06LateReview,
    R06SameDay,
    R07Never,
    R07Late,
    R07Deadline,
    R07Recent,
    /// Decided Thu 6 Feb, published Mon 17 Feb: the 8th working day with Sat 8 Feb worked.
    R07HolidayLate,
    /// Decided 30 Sep, published 16 Oct: the 7th working day after the National Day holiday.
    R07HolidayNear,
    R08Person,
    R08Org,
    R08PersonCap,
    R08OrgCap,
    R09Org,
    R09LateNotice,
    R09Below,
    R09DayBefore,
    S02Fast,
    S02Near,
    S03Far,
    S03Late,
    S03Near480,
    S03Edge900,
    S06Summary,
    S06General,
    S06AtMin,
    S06Ground,
    /// Three penalties of one party (group 0, 1: all light; group 2: one normal).
    S07(u8, u8),
}

use Plant as P;

/// Which stops a plant can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Need {
    /// Two sworn officers, day in the range.
    Sworn(NaiveDate, NaiveDate),
    /// Any pair.
    Any(NaiveDate, NaiveDate),
    /// The last stop of a shift.
    Last(NaiveDate, NaiveDate),
}

const ORDER: &[Plant] = &[
    P::R01AdminOver,
    P::R01AdminStopOver,
    P::R01PsOver,
    P::R01PsExtOver,
    P::R01AdminExact,
    P::R01AdminStopExact,
    P::R01PsExact,
    P::R01PsExt50,
    P::R02Plain5,
    P::R02Nv10,
    P::R02Mc35,
    P::R02Plain3,
    P::R02Nv7,
    P::R02Mc30,
    P::R03NoCo,
    P::R03AuxCo,
    P::R03SameCo,
    P::R03RegisteredAlone,
    P::R03SummaryAlone,
    P::R03TwoSworn,
    P::R04NoAv,
    P::R04ShortAv,
    P::R04Exact30,
    P::R04AtStart,
    P::R04Open,
    P::R05EvidenceDeleted,
    P::R05Early,
    P::R05Exact180,
    P::R05EvidenceKept,
    P::R06NoReview,
    P::R06LateReview,
    P::R06SameDay,
    P::R07Never,
    P::R07Late,
    P::R07Deadline,
    P::R07Recent,
    P::R07HolidayLate,
    P::R07HolidayNear,
    P::R08Person,
    P::R08Org,
    P::R08PersonCap,
    P::R08OrgCap,
    P::R09Org,
    P::R09LateNotice,
    P::R09Below,
    P::R09DayBefore,
    P::S02Fast,
    P::S02Fast,
    P::S02Near,
    P::S03Far,
    P::S03Late,
    P::S03Near480,
    P::S03Edge900,
    P::S06Summary,
    P::S06General,
    P::S06AtMin,
    P::S06Ground,
];

fn need(p: Plant) -> Need {
    let early = (ymd(2025, 1, 10), ymd(2025, 7, 31));
    let any = (ymd(2025, 1, 10), ymd(2025, 11, 30));
    match p {
        P::R04Open => Need::Sworn(ymd(2025, 12, 1), ymd(2025, 12, 18)),
        P::R07Recent => Need::Sworn(ymd(2025, 11, 1), ymd(2025, 11, 20)),
        P::R07HolidayLate => Need::Sworn(ymd(2025, 1, 10), ymd(2025, 1, 31)),
        P::R07HolidayNear => Need::Sworn(ymd(2025, 9, 1), ymd(2025, 9, 20)),
        P::R05EvidenceDeleted | P::R05Early | P::R05Exact180 => {
            Need::Any(ymd(2025, 1, 10), ymd(2025, 5, 31))
        }
        P::R03SummaryAlone
        | P::R04ShortAv
        | P::R05EvidenceKept
        | P::R08Person
        | P::R08Org
        | P::R08PersonCap
        | P::R08OrgCap
        | P::S03Far
        | P::S03Near480
        | P::S06Summary
        | P::S06AtMin => Need::Any(any.0, any.1),
        P::S02Fast | P::S02Near | P::S03Late | P::S03Edge900 => Need::Last(any.0, any.1),
        P::S07(g, k) => {
            let m = [[3, 5, 7], [4, 6, 8], [2, 6, 10]][g as usize][k as usize];
            let first = ymd(2025, m, 1);
            Need::Any(first, days(ymd(2025, m + 1, 1), -1))
        }
        _ => Need::Sworn(early.0, early.1),
    }
}

/// Officers set aside for the officer-level plants.
#[derive(Debug, Default)]
pub(super) struct Specials {
    pub officers: HashSet<usize>,
    /// LE-S01: (officer, month, on leave most of the month).
    pub idle: Vec<(usize, u32, bool)>,
    /// LE-S04: officers with a high share of abnormal closures, and the newcomer.
    pub high: Vec<usize>,
    pub newcomer: Option<usize>,
    /// LE-S08: (officer, complaints).
    pub complaints: Vec<(usize, usize)>,
    /// LE-S05: officers with a quarter of their decisions voided and re-issued.
    pub voiders: Vec<usize>,
    /// LE-S06: officers with half their fines at the minimum (true) or one step above it.
    pub at_min: Vec<(usize, bool)>,
    /// LE-S08: officers with many uses of force in the year (true) or just before it.
    pub force: Vec<(usize, bool)>,
    /// Penalties before this index are the background's (plants come after).
    pub background_penalties: usize,
    pub plants: Vec<(Plant, usize)>,
    /// LE-S07 parties by group.
    pub s07: Vec<(u8, String, Vec<usize>)>,
}

impl County<'_> {
    /// Chooses the officers of the officer-level plants (before the schedule).
    pub(super) fn plan_plants(&mut self) {
        let mut pool: Vec<usize> = (0..self.officers.len())
            .filter(|&o| {
                self.officers[o].sworn
                    && self.out.squads.iter().all(|s| {
                        s.commander.as_deref() != Some(self.out.officers[o].person_id.as_str())
                    })
            })
            .collect();
        if pool.len() < 16 {
            return;
        }
        use rand::seq::SliceRandom;
        pool.shuffle(&mut self.rng);
        let mut take = || pool.pop().expect("eight officers");
        let (i1, i2, lv) = (take(), take(), take());
        self.officers[i1].idle_months.push(3);
        self.officers[i2].idle_months.push(6);
        self.officers[lv].idle_months.push(8);
        self.officers[lv].leave = Some((ymd(2025, 8, 4), ymd(2025, 8, 24)));
        self.sp.idle = vec![(i1, 3, false), (i2, 6, false), (lv, 8, true)];
        let n = take();
        let start = ymd(2025, 11, 1);
        self.officers[n].start = start;
        self.officers[n].abnormal = 0.5;
        self.officers[n].lead_cap = Some(25);
        self.out.officers[n].start_date = start;
        self.new_posts[n].start_date = start;
        self.sp.newcomer = Some(n);
        let (h1, h2) = (take(), take());
        for h in [h1, h2] {
            self.officers[h].abnormal = 0.55;
        }
        self.sp.high = vec![h1, h2];
        let (c1, c2, c3) = (take(), take(), take());
        self.sp.complaints = vec![(c1, 3), (c2, 3), (c3, 2)];
        self.sp.voiders = vec![take(), take()];
        // LE-S06: half their fines at the minimum (two fire), or one step above it (near miss);
        // the newcomer too, with too few fines to be compared.
        let (m1, m2, m3) = (take(), take(), take());
        for m in [m1, m2, m3, n] {
            self.officers[m].at_min = 0.5;
        }
        self.officers[m3].min_step = true;
        self.sp.at_min = vec![(m1, true), (m2, true), (m3, false)];
        self.sp.force = vec![(take(), true), (take(), false)];
        self.sp.officers = [i1, i2, lv, n, h1, h2].into_iter().collect();
    }

    fn last_of_shift(&self, i: usize) -> bool {
        self.stops
            .get(i + 1)
            .is_none_or(|n| n.shift_a != self.stops[i].shift_a)
    }

    /// Reserves a stop for every plant (the background then leaves them alone).
    pub(super) fn reserve_stops(&mut self) {
        if self.sp.officers.is_empty() {
            return;
        }
        let mut list: Vec<Plant> = ORDER.to_vec();
        for g in 0..3 {
            for k in 0..3 {
                list.push(P::S07(g, k));
            }
        }
        let n_squads = self.squads.len();
        // Per stop, once: whether a set-aside officer is on it, and whether it ends a shift.
        let plain: Vec<bool> = self
            .stops
            .iter()
            .map(|s| !self.sp.officers.contains(&s.a) && !self.sp.officers.contains(&s.b))
            .collect();
        let last: Vec<bool> = (0..self.stops.len())
            .map(|i| self.last_of_shift(i))
            .collect();
        for p in list {
            let want = need(p);
            let squad = match p {
                P::S07(g, _) => Some(g as usize % n_squads),
                _ => None,
            };
            let ok: Vec<usize> = (0..self.stops.len())
                .filter(|&i| {
                    let s = &self.stops[i];
                    let free = plain[i] && !s.reserved && squad.is_none_or(|q| q == s.squad);
                    free && match want {
                        Need::Sworn(a, b) => self.officers[s.b].sworn && s.day >= a && s.day <= b,
                        Need::Any(a, b) => s.day >= a && s.day <= b,
                        Need::Last(a, b) => s.day >= a && s.day <= b && last[i],
                    }
                })
                .collect();
            if ok.is_empty() {
                continue;
            }
            let i = ok[self.rng.random_range(0..ok.len())];
            self.stops[i].reserved = true;
            self.sp.plants.push((p, i));
        }
    }

    /// A plant's general-procedure case: no accumulator touched, defaults that keep every
    /// rule, then the plant's own settings.
    fn plant_gen(&mut self, ct: CaseType, code: &str, fine: i64) -> Gen {
        Gen {
            ct,
            source: Source::Patrol,
            code: model::code(code),
            fine,
            ground: None,
            outcome: Outcome::Penalty,
            reg_days: 1,
            nv: false,
            mc: false,
            dur: 30,
            appraisal: 0,
            extension: false,
            hearing: Hearing::Auto,
            review: Review::Auto,
            publish: Publish::Auto,
            open: false,
            exact: false,
            party: None,
        }
    }

    fn case_key(&self, b: &Built) -> String {
        self.out.cases[b.case].case_id.clone()
    }

    fn event_key(&self, b: &Built, step: Step) -> String {
        self.out.events[b.event(self, step)].event_id.clone()
    }

    fn penalty_key(&self, b: &Built) -> String {
        self.out.penalties[b.penalty.expect("a penalty")]
            .penalty_id
            .clone()
    }

    fn av_of(&self, b: &Built, step: Step) -> usize {
        let e = &self.out.events[b.event(self, step)].event_id;
        *b.av
            .iter()
            .find(|&&a| self.out.av[a].event_id.as_ref() == Some(e))
            .expect("a file of the step")
    }

    /// Builds every reserved plant and the officer-level ones.
    pub(super) fn plant(&mut self) {
        let plants = std::mem::take(&mut self.sp.plants);
        for &(p, i) in &plants {
            self.build(p, i);
        }
        self.s03_no_gps();
        self.s07_truth();
        self.s01_truth();
        self.s04_truth();
        self.sp.plants = plants;
    }

    fn general_at(&mut self, i: usize, g: Gen) -> Built {
        let st = self.stops[i].clone();
        self.officers[st.a].led += 1;
        self.general(i, st.a, st.b, g)
    }

    fn build(&mut self, p: Plant, i: usize) {
        use AnomalyKind::{NaturalOutlier as Outlier, NearThreshold as Near, Planted};
        use Expect::{Fire, NoFire};
        let st = self.stops[i].clone();
        let admin = CaseType::AdminPenalty;
        let ps = CaseType::PublicSecurity;
        let small = y(800);
        match p {
            P::R01AdminOver
            | P::R01AdminStopOver
            | P::R01AdminExact
            | P::R01AdminStopExact
            | P::R01PsOver
            | P::R01PsExtOver
            | P::R01PsExact
            | P::R01PsExt50 => {
                let (ct, dur, app, ext) = match p {
                    P::R01AdminOver => (admin, 100, 0, false),
                    P::R01AdminStopOver => (admin, 110, 10, false),
                    P::R01AdminExact => (admin, 90, 0, false),
                    P::R01AdminStopExact => (admin, 90, 5, false),
                    P::R01PsOver => (ps, 38, 0, false),
                    P::R01PsExtOver => (ps, 70, 0, true),
                    P::R01PsExact => (ps, 30, 0, false),
                    _ => (ps, 50, 0, true),
                };
                let (code, fine) = if ct == ps {
                    ("ZA-01", y(300))
                } else {
                    ("SR-02", small)
                };
                let mut g = self.plant_gen(ct, code, fine);
                if ct == ps {
                    g.source = Source::Dispatch;
                }
                (g.dur, g.appraisal, g.extension) = (dur, app, ext);
                let b = self.general_at(i, g);
                let key = self.case_key(&b);
                let (pattern, expect, kind, zh, en) = match p {
                    P::R01AdminOver => (
                        "R01-over",
                        Fire,
                        Planted,
                        "立案后 100 日才作出处罚决定（法定 90 日）",
                        "decided 100 days after registration (limit 90)",
                    ),
                    P::R01AdminStopOver => (
                        "R01-over",
                        Fire,
                        Planted,
                        "立案后 120 日决定，扣除 10 日鉴定仍为 110 日",
                        "decided 120 days after registration; 110 after a 10-day appraisal stop",
                    ),
                    P::R01PsOver => (
                        "R01-over",
                        Fire,
                        Planted,
                        "治安案件受理后 38 日决定，无延期审批",
                        "public-security case decided 38 days after receipt without extension",
                    ),
                    P::R01PsExtOver => (
                        "R01-over",
                        Fire,
                        Planted,
                        "治安案件经延期审批仍于 70 日后决定（上限 60 日）",
                        "public-security case decided after 70 days despite extension (cap 60)",
                    ),
                    P::R01AdminExact => (
                        "R01-near",
                        NoFire,
                        Near,
                        "立案后恰好 90 日作出决定",
                        "decided exactly 90 days after registration",
                    ),
                    P::R01AdminStopExact => (
                        "R01-near",
                        NoFire,
                        Near,
                        "立案后 95 日决定，其中 5 日鉴定不计入",
                        "decided 95 days after registration with a 5-day appraisal stop",
                    ),
                    P::R01PsExact => (
                        "R01-near",
                        NoFire,
                        Near,
                        "治安案件受理后恰好 30 日决定",
                        "public-security case decided exactly 30 days after receipt",
                    ),
                    _ => (
                        "R01-legit",
                        NoFire,
                        Outlier,
                        "治安案件经延期审批于 50 日决定",
                        "public-security case decided after 50 days with an extension approval",
                    ),
                };
                self.truth.push(
                    pattern,
                    "le_cases",
                    &[("case_id", &key)],
                    &["LE-R01"],
                    expect,
                    kind,
                    zh,
                    en,
                );
            }
            P::R02Plain5 | P::R02Nv10 | P::R02Mc35 | P::R02Plain3 | P::R02Nv7 | P::R02Mc30 => {
                let (days_, nv, mc) = match p {
                    P::R02Plain5 => (5, false, false),
                    P::R02Nv10 => (10, true, false),
                    P::R02Mc35 => (35, false, true),
                    P::R02Plain3 => (3, false, false),
                    P::R02Nv7 => (7, true, false),
                    _ => (30, false, true),
                };
                let mut g = self.plant_gen(admin, "SR-02", small);
                (g.reg_days, g.nv, g.mc) = (days_, nv, mc);
                let b = self.general_at(i, g);
                let key = self.case_key(&b);
                let fire = matches!(p, P::R02Plain5 | P::R02Nv10 | P::R02Mc35);
                let zh = format!(
                    "受案后 {days_} 日立案{}",
                    if nv {
                        "（需查证，上限 7 日）"
                    } else if mc {
                        "（重大复杂，上限 30 日）"
                    } else {
                        "（上限 3 日）"
                    }
                );
                let en = format!(
                    "registered {days_} days after receipt{}",
                    if nv {
                        " (needs verification, limit 7)"
                    } else if mc {
                        " (major and complex, limit 30)"
                    } else {
                        " (limit 3)"
                    }
                );
                if fire {
                    self.truth.push(
                        "R02-late",
                        "le_cases",
                        &[("case_id", &key)],
                        &["LE-R02"],
                        Fire,
                        Planted,
                        &zh,
                        &en,
                    );
                } else {
                    self.truth.push(
                        "R02-near",
                        "le_cases",
                        &[("case_id", &key)],
                        &["LE-R02"],
                        NoFire,
                        Near,
                        &zh,
                        &en,
                    );
                }
            }
            P::R03NoCo | P::R03AuxCo | P::R03SameCo | P::R03RegisteredAlone | P::R03TwoSworn => {
                let ct = if p == P::R03SameCo { ps } else { admin };
                let (code, fine) = if ct == ps {
                    ("ZA-02", y(300))
                } else {
                    ("SR-02", small)
                };
                let mut g = self.plant_gen(ct, code, fine);
                if ct == ps {
                    g.source = Source::Dispatch;
                }
                let b = self.general_at(i, g);
                let step = match p {
                    P::R03NoCo | P::R03TwoSworn => Step::Inspected,
                    P::R03AuxCo => Step::Decided,
                    P::R03SameCo => Step::Served,
                    _ => Step::Registered,
                };
                let e = b.event(self, step);
                match p {
                    P::R03NoCo | P::R03RegisteredAlone => self.out.events[e].co_officer_id = None,
                    P::R03AuxCo => {
                        let aux = self.squads[st.squad]
                            .officers
                            .iter()
                            .copied()
                            .find(|&o| !self.officers[o].sworn)
                            .unwrap_or(st.a);
                        self.out.events[e].co_officer_id = Some(self.oid(aux));
                    }
                    P::R03SameCo => {
                        self.out.events[e].co_officer_id =
                            Some(self.out.events[e].officer_id.clone());
                    }
                    _ => {}
                }
                let key = self.out.events[e].event_id.clone();
                let (pattern, expect, kind, zh, en) = match p {
                    P::R03NoCo => (
                        "R03-single",
                        Fire,
                        Planted,
                        "普通程序案件检查取证仅一名执法人员",
                        "general-procedure evidence step with one officer",
                    ),
                    P::R03AuxCo => (
                        "R03-single",
                        Fire,
                        Planted,
                        "处罚决定环节的协办人为协管辅助人员",
                        "decision step whose co-officer is an auxiliary",
                    ),
                    P::R03SameCo => (
                        "R03-single",
                        Fire,
                        Planted,
                        "治安案件送达环节协办人即主办人本人",
                        "public-security service step with the officer as their own co-officer",
                    ),
                    P::R03RegisteredAlone => (
                        "R03-near",
                        NoFire,
                        Near,
                        "立案环节仅一名执法人员（不属调查或处罚环节）",
                        "registration step with one officer (not an investigative or penalty step)",
                    ),
                    _ => (
                        "R03-near",
                        NoFire,
                        Near,
                        "检查取证由两名执法人员完成",
                        "evidence step by two sworn officers",
                    ),
                };
                self.truth.push(
                    pattern,
                    "le_case_events",
                    &[("event_id", &key)],
                    &["LE-R03"],
                    expect,
                    kind,
                    zh,
                    en,
                );
            }
            P::R03SummaryAlone => {
                let c = model::code("SR-01");
                let b = self.summary(i, st.a, None, c, y(100), None);
                let key = self.event_key(&b, Step::Inspected);
                self.truth.push(
                    "R03-near",
                    "le_case_events",
                    &[("event_id", &key)],
                    &["LE-R03"],
                    NoFire,
                    Outlier,
                    "简易程序当场处罚仅一名执法人员（依法可由一人执法）",
                    "summary-procedure ticket by one officer (allowed)",
                );
            }
            P::R04NoAv | P::R04Exact30 | P::R04AtStart | P::R04Open => {
                let mut g = self.plant_gen(admin, "SR-02", small);
                g.open = p == P::R04Open;
                let b = self.general_at(i, g);
                let a = self.av_of(&b, Step::Inspected);
                let t = self.out.events[b.event(self, Step::Inspected)].occurred_at;
                match p {
                    P::R04NoAv | P::R04Open => {
                        self.out.av.remove(a);
                    }
                    P::R04Exact30 => {
                        self.out.av[a].start_at = t - Duration::seconds(10);
                        self.out.av[a].end_at = t + Duration::seconds(20);
                    }
                    _ => {
                        self.out.av[a].start_at = t;
                        self.out.av[a].end_at = t + Duration::seconds(200);
                    }
                }
                let key = self.case_key(&b);
                let (pattern, expect, kind, zh, en) = match p {
                    P::R04NoAv => (
                        "R04-noav",
                        Fire,
                        Planted,
                        "已结案，现场检查取证无音视频记录",
                        "closed; the on-site evidence step has no recording",
                    ),
                    P::R04Exact30 => (
                        "R04-near",
                        NoFire,
                        Near,
                        "现场记录恰好 30 秒",
                        "the on-site recording lasts exactly 30 s",
                    ),
                    P::R04AtStart => (
                        "R04-near",
                        NoFire,
                        Near,
                        "现场环节恰在记录开始时刻",
                        "the on-site step is exactly at the recording's start",
                    ),
                    _ => (
                        "R04-near",
                        NoFire,
                        Outlier,
                        "案件尚未结案，现场记录缺失暂不判断",
                        "case still open: a missing recording is not judged yet",
                    ),
                };
                self.truth.push(
                    pattern,
                    "le_cases",
                    &[("case_id", &key)],
                    &["LE-R04"],
                    expect,
                    kind,
                    zh,
                    en,
                );
            }
            P::R04ShortAv => {
                let b = self.incident(&st, st.a, st.b);
                let a = self.av_of(&b, Step::Arrived);
                let t = self.out.events[b.event(self, Step::Arrived)].occurred_at;
                self.out.av[a].start_at = t - Duration::seconds(5);
                self.out.av[a].end_at = t + Duration::seconds(15);
                let key = self.case_key(&b);
                self.truth.push(
                    "R04-noav",
                    "le_cases",
                    &[("case_id", &key)],
                    &["LE-R04"],
                    Fire,
                    Planted,
                    "到场记录仅 20 秒即结案",
                    "closed with a 20-second arrival recording",
                );
            }
            P::R05EvidenceDeleted | P::R05EvidenceKept => {
                let c = model::code("SR-03");
                let b = self.summary(i, st.a, Some(st.b), c, y(100), None);
                let a = self.av_of(&b, Step::Decided);
                let fire = p == P::R05EvidenceDeleted;
                if fire {
                    self.out.av[a].deleted_on = Some(days(self.out.av[a].end_at.date(), 100));
                }
                let key = self.out.av[a].file_id.clone();
                if fire {
                    self.truth.push(
                        "R05-purged",
                        "le_av_evidence",
                        &[("file_id", &key)],
                        &["LE-R05"],
                        Fire,
                        Planted,
                        "作为证据的当场处罚记录 100 日后被删除",
                        "evidential ticket recording deleted after 100 days",
                    );
                } else {
                    self.truth.push(
                        "R05-near",
                        "le_av_evidence",
                        &[("file_id", &key)],
                        &["LE-R05"],
                        NoFire,
                        Outlier,
                        "作为证据的记录永久保存",
                        "evidential recording kept",
                    );
                }
            }
            P::R05Early | P::R05Exact180 => {
                let b = self.incident(&st, st.a, st.b);
                let a = self.av_of(&b, Step::Arrived);
                let kept = if p == P::R05Early { 120 } else { MIN_RETENTION };
                self.out.av[a].deleted_on = Some(days(self.out.av[a].end_at.date(), kept));
                let key = self.out.av[a].file_id.clone();
                if p == P::R05Early {
                    self.truth.push(
                        "R05-purged",
                        "le_av_evidence",
                        &[("file_id", &key)],
                        &["LE-R05"],
                        Fire,
                        Planted,
                        "非证据记录仅保存 120 日即删除",
                        "non-evidential recording deleted after 120 days",
                    );
                } else {
                    self.truth.push(
                        "R05-near",
                        "le_av_evidence",
                        &[("file_id", &key)],
                        &["LE-R05"],
                        NoFire,
                        Near,
                        "非证据记录恰好保存 180 日后删除",
                        "non-evidential recording deleted after exactly 180 days",
                    );
                }
            }
            P::R06NoReview | P::R06LateReview | P::R06SameDay => {
                let mut g = self.plant_gen(admin, "JS-01", y(80_000));
                g.review = match p {
                    P::R06NoReview => Review::Never,
                    P::R06LateReview => Review::DaysBefore(-3),
                    _ => Review::DaysBefore(0),
                };
                let b = self.general_at(i, g);
                let key = self.case_key(&b);
                let (pattern, expect, kind, zh, en) = match p {
                    P::R06NoReview => (
                        "R06-noreview",
                        Fire,
                        Planted,
                        "罚款 8 万元的重大执法决定无法制审核",
                        "major decision (80,000 yuan fine) without legal review",
                    ),
                    P::R06LateReview => (
                        "R06-noreview",
                        Fire,
                        Planted,
                        "法制审核在决定 3 日后才进行",
                        "legal review 3 days after the decision",
                    ),
                    _ => (
                        "R06-near",
                        NoFire,
                        Near,
                        "法制审核与决定同日",
                        "legal review on the decision day",
                    ),
                };
                self.truth.push(
                    pattern,
                    "le_cases",
                    &[("case_id", &key)],
                    &["LE-R06"],
                    expect,
                    kind,
                    zh,
                    en,
                );
            }
            P::R07Never
            | P::R07Late
            | P::R07Deadline
            | P::R07Recent
            | P::R07HolidayLate
            | P::R07HolidayNear => {
                let mut g = self.plant_gen(admin, "SR-02", small);
                g.publish = match p {
                    P::R07Late => Publish::WorkingDays(PUBLISH_WORKING_DAYS + 3),
                    P::R07HolidayLate => Publish::WorkingDays(PUBLISH_WORKING_DAYS + 1),
                    P::R07Deadline | P::R07HolidayNear => {
                        Publish::WorkingDays(PUBLISH_WORKING_DAYS)
                    }
                    _ => Publish::Never,
                };
                let decided = match p {
                    P::R07Recent => Some(ymd(2025, 12, 24)),
                    P::R07HolidayLate => Some(ymd(2025, 2, 6)),
                    P::R07HolidayNear => Some(ymd(2025, 9, 30)),
                    _ => None,
                };
                if let Some(d) = decided {
                    // Registered the day after the stop; decided on `d`.
                    let start = days(st.day, 1);
                    g.dur = (d - start).num_days();
                    g.exact = true;
                }
                let b = self.general_at(i, g);
                let key = self.penalty_key(&b);
                let (pattern, expect, kind, zh, en) = match p {
                    P::R07Never => (
                        "R07-unpublished",
                        Fire,
                        Planted,
                        "处罚决定未公示",
                        "penalty decision never published",
                    ),
                    P::R07Late => (
                        "R07-unpublished",
                        Fire,
                        Planted,
                        "处罚决定 10 个工作日后才公示",
                        "penalty decision published after 10 working days",
                    ),
                    P::R07Deadline => (
                        "R07-near",
                        NoFire,
                        Near,
                        "处罚决定于第 7 个工作日公示",
                        "penalty decision published on the 7th working day",
                    ),
                    P::R07HolidayLate => (
                        "R07-unpublished",
                        Fire,
                        Planted,
                        "2 月 6 日的决定 2 月 17 日才公示：2 月 8 日（周六）调休上班，已是第 8 个工作日",
                        "decided 6 Feb, published 17 Feb: with Saturday 8 Feb worked, the 8th working day",
                    ),
                    P::R07HolidayNear => (
                        "R07-near",
                        NoFire,
                        Near,
                        "9 月 30 日的决定 10 月 16 日公示：国庆中秋放假后第 7 个工作日（10 月 11 日周六上班）",
                        "decided 30 Sep, published 16 Oct: the 7th working day after the National Day holiday (Saturday 11 Oct worked)",
                    ),
                    _ => (
                        "R07-near",
                        NoFire,
                        Near,
                        "12 月 24 日的决定尚在公示期内",
                        "decision of 24 December still within its publication window",
                    ),
                };
                self.truth.push(
                    pattern,
                    "le_penalties",
                    &[("penalty_id", &key)],
                    &["LE-R07"],
                    expect,
                    kind,
                    zh,
                    en,
                );
            }
            P::R08Person | P::R08Org | P::R08PersonCap | P::R08OrgCap => {
                let (code, fine) = match p {
                    P::R08Person => ("SR-01", y(500)),
                    P::R08Org => ("GG-01", y(5_000)),
                    P::R08PersonCap => ("SR-01", CAP_PERSON),
                    _ => ("GG-01", CAP_ORG),
                };
                let b = self.summary(i, st.a, Some(st.b), model::code(code), fine, None);
                let key = self.penalty_key(&b);
                let (pattern, expect, kind, zh, en) = match p {
                    P::R08Person => (
                        "R08-overcap",
                        Fire,
                        Planted,
                        "简易程序对个人当场罚款 500 元（上限 200 元）",
                        "on-the-spot fine of 500 yuan on a person (cap 200)",
                    ),
                    P::R08Org => (
                        "R08-overcap",
                        Fire,
                        Planted,
                        "简易程序对单位当场罚款 5000 元（上限 3000 元）",
                        "on-the-spot fine of 5,000 yuan on an organisation (cap 3,000)",
                    ),
                    P::R08PersonCap => (
                        "R08-near",
                        NoFire,
                        Near,
                        "当场罚款恰为 200 元",
                        "on-the-spot fine of exactly 200 yuan",
                    ),
                    _ => (
                        "R08-near",
                        NoFire,
                        Near,
                        "对单位当场罚款恰为 3000 元",
                        "on-the-spot fine of exactly 3,000 yuan on an organisation",
                    ),
                };
                self.truth.push(
                    pattern,
                    "le_penalties",
                    &[("penalty_id", &key)],
                    &["LE-R08"],
                    expect,
                    kind,
                    zh,
                    en,
                );
            }
            P::R09Org | P::R09LateNotice | P::R09Below | P::R09DayBefore => {
                let (code, fine, hearing) = match p {
                    P::R09Org => ("JS-01", y(150_000), Hearing::Never),
                    P::R09LateNotice => ("JS-02", y(12_000), Hearing::DaysBefore(-2)),
                    P::R09Below => ("JS-01", HEARING_ORG - 1, Hearing::Never),
                    _ => ("JS-01", y(120_000), Hearing::DaysBefore(1)),
                };
                let mut g = self.plant_gen(admin, code, fine);
                g.hearing = hearing;
                g.dur = 45;
                let b = self.general_at(i, g);
                let key = self.penalty_key(&b);
                let (pattern, expect, kind, zh, en) = match p {
                    P::R09Org => (
                        "R09-nohearing",
                        Fire,
                        Planted,
                        "对单位罚款 15 万元未告知听证权利",
                        "150,000 yuan fine on an organisation without a hearing notice",
                    ),
                    P::R09LateNotice => (
                        "R09-nohearing",
                        Fire,
                        Planted,
                        "对个人罚款 1.2 万元，听证告知在决定之后",
                        "12,000 yuan fine on a person, hearing notice after the decision",
                    ),
                    P::R09Below => (
                        "R09-near",
                        NoFire,
                        Near,
                        "罚款比听证标准少 1 分且未告知",
                        "fine one fen below the hearing threshold, no notice",
                    ),
                    _ => (
                        "R09-near",
                        NoFire,
                        Near,
                        "决定前一日告知听证权利",
                        "hearing notice the day before the decision",
                    ),
                };
                self.truth.push(
                    pattern,
                    "le_penalties",
                    &[("penalty_id", &key)],
                    &["LE-R09"],
                    expect,
                    kind,
                    zh,
                    en,
                );
            }
            P::S02Fast | P::S02Near => self.s02(i, p == P::S02Near),
            P::S03Far | P::S03Near480 => {
                let b = self.incident(&st, st.a, st.b);
                let e = b.event(self, Step::Arrived);
                let off = if p == P::S03Far { 800.0 } else { 480.0 };
                let plane = Plane {
                    lon: st.lon,
                    lat: st.lat,
                };
                let (lon, lat) = plane.lonlat(off, 0.0);
                let road = self.squads[st.squad].ns[0].clone();
                let ev = &mut self.out.events[e];
                ev.longitude = Some(lon);
                ev.latitude = Some(lat);
                ev.place = Some(format!(
                    "{}{road}{}号",
                    self.squads[st.squad].town_name,
                    20 + i % 300
                ));
                let key = ev.event_id.clone();
                if p == P::S03Far {
                    self.truth.push(
                        "S03-far",
                        "le_case_events",
                        &[("event_id", &key)],
                        &["LE-S03"],
                        Fire,
                        Planted,
                        "到场地点距执法人员同时刻定位 800 米",
                        "arrival recorded 800 m from the officer's GPS fix at that time",
                    );
                } else {
                    self.truth.push(
                        "S03-near",
                        "le_case_events",
                        &[("event_id", &key)],
                        &["LE-S03"],
                        NoFire,
                        Near,
                        "到场地点距定位 480 米（阈值 500 米）",
                        "arrival 480 m from the GPS fix (threshold 500 m)",
                    );
                }
            }
            P::S03Late | P::S03Edge900 => self.s03_after_shift(i, p == P::S03Edge900),
            P::S06Summary | P::S06AtMin => {
                let fine = if p == P::S06Summary { y(30) } else { y(50) };
                let b = self.summary(i, st.a, Some(st.b), model::code("SR-01"), fine, None);
                let key = self.penalty_key(&b);
                if p == P::S06Summary {
                    self.truth.push("S06-below", "le_penalties", &[("penalty_id", &key)], &["LE-S06"], Fire, Planted, "罚款 30 元低于法定最低 50 元且无减轻理由", "30 yuan fine below the statutory minimum of 50 without a mitigation ground");
                } else {
                    self.truth.push(
                        "S06-near",
                        "le_penalties",
                        &[("penalty_id", &key)],
                        &["LE-S06"],
                        NoFire,
                        Near,
                        "罚款恰为法定最低 50 元",
                        "fine at exactly the statutory minimum of 50 yuan",
                    );
                }
            }
            P::S06General | P::S06Ground => {
                let mut g = self.plant_gen(
                    admin,
                    "GG-01",
                    if p == P::S06General { y(800) } else { y(500) },
                );
                if p == P::S06Ground {
                    g.ground = Some(model::GROUNDS[0]);
                }
                let b = self.general_at(i, g);
                let key = self.penalty_key(&b);
                if p == P::S06General {
                    self.truth.push(
                        "S06-below",
                        "le_penalties",
                        &[("penalty_id", &key)],
                        &["LE-S06"],
                        Fire,
                        Planted,
                        "户外广告罚款 800 元低于法定最低 1000 元且无减轻理由",
                        "800 yuan advertising fine below the minimum of 1,000 without a ground",
                    );
                } else {
                    self.truth.push(
                        "S06-near",
                        "le_penalties",
                        &[("penalty_id", &key)],
                        &["LE-S06"],
                        NoFire,
                        Outlier,
                        "低于法定最低但记载了减轻处罚理由",
                        "below the minimum with a recorded mitigation ground",
                    );
                }
            }
            P::S07(g, k) => {
                let party = match self.sp.s07.iter().position(|x| x.0 == g) {
                    Some(x) => self.sp.s07[x].1.clone(),
                    None => {
                        let id = self.party(PartyKind::Person);
                        self.sp.s07.push((g, id.clone(), Vec::new()));
                        id
                    }
                };
                let fine = if g == 2 && k == 1 { y(150) } else { y(80) };
                let b = self.summary(i, st.a, Some(st.b), model::code("SR-01"), fine, Some(party));
                let pen = b.penalty.expect("a penalty");
                if let Some(x) = self.sp.s07.iter_mut().find(|x| x.0 == g) {
                    x.2.push(pen);
                }
            }
        }
    }

    /// LE-S02: a second on-site event far away minutes after the last one of the shift.
    fn s02(&mut self, i: usize, near: bool) {
        let st = self.stops[i].clone();
        let b = self.incident(&st, st.a, st.b);
        let last = b
            .events
            .iter()
            .filter(|&&e| self.out.events[e].on_site)
            .map(|&e| self.out.events[e].occurred_at)
            .max()
            .expect("an on-site step");
        let plane = Plane {
            lon: st.lon,
            lat: st.lat,
        };
        let mut q = st.clone();
        if near {
            // Driven to a far township at 117 km/h: the GPS follows (every fix after the stop
            // is at the new place), so only the speed is unusual, and just under the limit.
            let (first, end) = self.gps_of_shift[&st.shift_a];
            let after: Vec<usize> = (first..end)
                .filter(|&k| self.out.gps[k].recorded_at > st.t_out)
                .collect();
            let Some(&f1) = after.first() else { return };
            let t1 = self.out.gps[f1].recorded_at;
            let dist = 117.0 / 3.6 * (t1 - last).num_seconds() as f64;
            let d = dist / std::f64::consts::SQRT_2;
            (q.lon, q.lat) = plane.lonlat(d, d);
            for k in after {
                let (lon, lat) = plane.lonlat(
                    d + self.rng.random_range(-5.0..5.0),
                    d + self.rng.random_range(-5.0..5.0),
                );
                self.out.gps[k].longitude = lon;
                self.out.gps[k].latitude = lat;
            }
            q.t_in = t1;
        } else {
            (q.lon, q.lat) = plane.lonlat(15_000.0, 15_000.0);
            q.t_in = last + Duration::seconds(300);
        }
        q.t_out = q.t_in + Duration::seconds(200);
        q.place = format!("{}外{}", self.short, st.place);
        let b2 = self.incident(&q, st.a, st.b);
        let e = b2.event(self, Step::Arrived);
        let a = self.av_of(&b2, Step::Arrived);
        if near {
            self.out.events[e].occurred_at = q.t_in;
            self.out.av[a].start_at = q.t_in - Duration::seconds(30);
            self.out.av[a].end_at = q.t_in + Duration::seconds(150);
        }
        let key = self.out.events[e].event_id.clone();
        if near {
            self.truth.push(
                "S02-near",
                "le_case_events",
                &[("event_id", &key)],
                &["LE-S02", "LE-S03"],
                Expect::NoFire,
                AnomalyKind::NearThreshold,
                "两处现场相距约 19 公里，时速约 117 公里，轨迹随行",
                "two on-site steps about 19 km apart at about 117 km/h, the GPS following",
            );
        } else {
            self.truth.push("S02-fast", "le_case_events", &[("event_id", &key)], &["LE-S02", "LE-S03"], Expect::Fire, AnomalyKind::Planted, "5 分钟后在 21 公里外记录到场（时速约 250 公里），定位仍在原处", "arrival recorded 21 km away five minutes later (about 250 km/h) while the GPS stayed put");
        }
    }

    /// LE-S03: an arrival after the shift's last GPS fix, 40 minutes (fires: no fix within
    /// 15 minutes although the officer has fixes that day) or exactly 15 minutes later.
    fn s03_after_shift(&mut self, i: usize, edge: bool) {
        let st = self.stops[i].clone();
        self.inspect_stop(i);
        let (_, end) = self.gps_of_shift[&st.shift_a];
        let fix = self.out.gps[end - 1].clone();
        let mut q = st.clone();
        q.lon = fix.longitude;
        q.lat = fix.latitude;
        q.t_in = fix.recorded_at + Duration::seconds(if edge { 900 } else { 2400 });
        q.t_out = q.t_in + Duration::seconds(200);
        let b = self.incident(&q, st.a, st.b);
        let e = b.event(self, Step::Arrived);
        let a = self.av_of(&b, Step::Arrived);
        self.out.events[e].occurred_at = q.t_in;
        self.out.av[a].start_at = q.t_in - Duration::seconds(30);
        self.out.av[a].end_at = q.t_in + Duration::seconds(150);
        let key = self.out.events[e].event_id.clone();
        if edge {
            self.truth.push(
                "S03-near",
                "le_case_events",
                &[("event_id", &key)],
                &["LE-S03"],
                Expect::NoFire,
                AnomalyKind::NearThreshold,
                "最后一个定位点 15 分 0 秒后在该处到场",
                "arrival exactly 15 min 0 s after the last fix, at its place",
            );
        } else {
            self.truth.push(
                "S03-nofix",
                "le_case_events",
                &[("event_id", &key)],
                &["LE-S03"],
                Expect::Fire,
                AnomalyKind::Planted,
                "巡查结束 40 分钟后记录到场，前后 15 分钟无定位",
                "arrival 40 minutes after the patrol ended, no fix within 15 minutes",
            );
        }
    }

    /// LE-S03 legitimate: an on-call officer without any GPS that day goes out to an incident.
    pub(super) fn s03_no_gps(&mut self) {
        let shifts: Vec<(usize, NaiveDate)> = self
            .out
            .shifts
            .iter()
            .filter(|s| s.kind == ShiftKind::OnCall && s.start_at.date().month() <= 11)
            .filter_map(|s| {
                let o = self.officers.iter().position(|x| x.id == s.officer_id)?;
                let d = s.start_at.date();
                (self.officers[o].sworn
                    && !self.sp.officers.contains(&o)
                    && !self.patrol_of.contains_key(&(o, d)))
                .then_some((o, d))
            })
            .collect();
        if shifts.is_empty() {
            return;
        }
        let (o, d) = shifts[self.rng.random_range(0..shifts.len())];
        let s = self.officers[o].squad;
        let co = self.squads[s]
            .officers
            .iter()
            .copied()
            .find(|&x| x != o)
            .unwrap_or(o);
        let plane = self.squads[s].plane;
        let (lon, lat) = plane.lonlat(210.0, 160.0);
        let q = Stop {
            squad: s,
            day: d,
            a: o,
            b: co,
            shift_a: 0,
            shift_b: 0,
            t_in: at(d, 19 * 3600 + 1800),
            t_out: at(d, 19 * 3600 + 1800 + 200),
            lon,
            lat,
            place: format!(
                "{}{}{}号",
                self.squads[s].town_name, self.squads[s].ew[HALF_ROAD], 88
            ),
            reserved: true,
        };
        let b = self.incident(&q, o, co);
        let key = self.event_key(&b, Step::Arrived);
        self.truth.push(
            "S03-legit",
            "le_case_events",
            &[("event_id", &key)],
            &["LE-S03"],
            Expect::NoFire,
            AnomalyKind::NaturalOutlier,
            "值班人员当日无定位数据（未配发终端），不作判断",
            "on-call officer without any GPS that day: not judged",
        );
    }

    fn s07_truth(&mut self) {
        let groups = std::mem::take(&mut self.sp.s07);
        for (g, party, pens) in &groups {
            if pens.len() < 3 {
                continue;
            }
            let mut by_day = pens.clone();
            by_day.sort_by_key(|&p| self.out.penalties[p].decided_on);
            let key = self.out.penalties[by_day[2]].penalty_id.clone();
            if *g < 2 {
                self.truth.push(
                    "S07-repeat",
                    "le_penalties",
                    &[("penalty_id", &key)],
                    &["LE-S07"],
                    Expect::Fire,
                    AnomalyKind::Planted,
                    &format!("当事人 {party} 一年内第三次违法仍从轻处罚"),
                    &format!("party {party}: third violation within a year, still light"),
                );
            } else {
                self.truth.push(
                    "S07-near",
                    "le_penalties",
                    &[("penalty_id", &key)],
                    &["LE-S07"],
                    Expect::NoFire,
                    AnomalyKind::NearThreshold,
                    &format!("当事人 {party} 一年内三次违法，其中一次按一般档处罚"),
                    &format!(
                        "party {party}: three violations within a year, one in the normal band"
                    ),
                );
            }
        }
        self.sp.s07 = groups;
    }

    /// Patrol shifts per officer and month.
    fn patrols_in(&self, o: usize, month: u32) -> usize {
        let id = &self.officers[o].id;
        self.out
            .shifts
            .iter()
            .filter(|s| {
                s.kind == ShiftKind::Patrol
                    && &s.officer_id == id
                    && s.start_at.date().month() == month
            })
            .count()
    }

    fn s01_truth(&mut self) {
        for (o, m, leave) in self.sp.idle.clone() {
            let n = self.patrols_in(o, m);
            let id = self.oid(o);
            let month = format!("2025-{m:02}");
            let keys = [("officer_id", id.as_str()), ("month", month.as_str())];
            if leave || n < 10 {
                self.truth.push("S01-near", "le_shifts", &keys, &["LE-S01"], Expect::NoFire, AnomalyKind::NaturalOutlier, &format!("休假当月仅 {n} 个巡查班次、无检查记录（不足 10 班不比较）"), &format!("on leave that month: {n} patrol shifts, no inspections (fewer than 10 are not compared)"));
            } else {
                self.truth.push(
                    "S01-idle",
                    "le_shifts",
                    &keys,
                    &["LE-S01"],
                    Expect::Fire,
                    AnomalyKind::Planted,
                    &format!("当月 {n} 个巡查班次，无一条检查记录"),
                    &format!("{n} patrol shifts in the month without a single inspection"),
                );
            }
        }
    }

    /// Closed non-incident cases led in 2025, and how many ended abnormally.
    fn closures(&self, o: usize) -> (usize, usize) {
        let id = &self.officers[o].id;
        let mut n = 0;
        let mut abnormal = 0;
        for c in self.out.cases.iter().filter(|c| {
            &c.lead_officer_id == id && c.case_type != CaseType::Incident && c.closed_at.is_some()
        }) {
            n += 1;
            if matches!(
                c.outcome,
                Some(
                    Outcome::Withdrawn
                        | Outcome::NotRegistered
                        | Outcome::NoPenalty
                        | Outcome::Terminated
                )
            ) {
                abnormal += 1;
            }
        }
        (n, abnormal)
    }

    fn s04_truth(&mut self) {
        let mut list: Vec<(usize, bool)> = self.sp.high.iter().map(|&o| (o, true)).collect();
        list.extend(self.sp.newcomer.map(|o| (o, false)));
        for (o, high) in list {
            let (n, abn) = self.closures(o);
            let id = self.oid(o);
            let keys = [("officer_id", id.as_str()), ("year", "2025")];
            if high && n >= 30 {
                self.truth.push("S04-closures", "le_cases", &keys, &["LE-S04"], Expect::Fire, AnomalyKind::Planted, &format!("结案 {n} 件中 {abn} 件撤销、不予立案、不予处罚或终止"), &format!("{abn} of {n} closed cases withdrawn, not registered, not penalised or terminated"));
            } else {
                self.truth.push("S04-legit", "le_cases", &keys, &["LE-S04"], Expect::NoFire, AnomalyKind::NaturalOutlier, &format!("新入队队员结案 {n} 件（不足 30 件不比较），其中 {abn} 件异常"), &format!("newcomer with {n} closed cases (fewer than 30 are not compared), {abn} abnormal"));
            }
        }
    }

    /// LE-S06: the officers fining at (or just above) the minimum, once voids are known.
    pub(super) fn s06_truth(&mut self) {
        let mut list = self.sp.at_min.clone();
        list.extend(self.sp.newcomer.map(|o| (o, true)));
        for (k, (o, at)) in list.into_iter().enumerate() {
            let id = self.oid(o);
            let (mut fines, mut at_min, mut above) = (0, 0, 0);
            for p in self
                .out
                .penalties
                .iter()
                .filter(|p| p.officer_id == id && p.voided_on.is_none() && p.band != Band::None)
            {
                let c = model::code(p.violation_code);
                fines += 1;
                at_min += usize::from(p.fine == c.min);
                above += usize::from(p.fine == c.min + Self::step(c));
            }
            let keys = [
                ("finding", "min_share"),
                ("officer_id", id.as_str()),
                ("year", "2025"),
            ];
            let newcomer = k == self.sp.at_min.len();
            if at && !newcomer && fines >= 30 {
                self.truth.push(
                    "S06-min-share",
                    "le_penalties",
                    &keys,
                    &["LE-S06"],
                    Expect::Fire,
                    AnomalyKind::Planted,
                    &format!("有效罚款 {fines} 件中 {at_min} 件恰为法定最低额"),
                    &format!("{at_min} of {fines} live fines at exactly the statutory minimum"),
                );
            } else if !at {
                self.truth.push("S06-min-near", "le_penalties", &keys, &["LE-S06"], Expect::NoFire, AnomalyKind::NearThreshold, &format!("有效罚款 {fines} 件中 {above} 件比法定最低额高一档（恰为最低额的 {at_min} 件）"), &format!("{above} of {fines} live fines one step above the statutory minimum ({at_min} at it)"));
            } else if newcomer && fines < 30 {
                self.truth.push("S06-min-legit", "le_penalties", &keys, &["LE-S06"], Expect::NoFire, AnomalyKind::NaturalOutlier, &format!("新入队队员有效罚款 {fines} 件中 {at_min} 件为最低额（不足 30 件不比较）"), &format!("newcomer: {at_min} of {fines} live fines at the minimum (fewer than 30 are not compared)"));
            }
        }
    }

    /// LE-S08: officers with planted complaint counts (the rest get at most two).
    pub(super) fn complaint_plants(&mut self) -> HashMap<usize, usize> {
        let mut out = HashMap::new();
        for (o, n) in self.sp.complaints.clone() {
            out.insert(o, n);
            let id = self.oid(o);
            if n >= 3 {
                self.truth.push(
                    "S08-complaints",
                    "le_complaints",
                    &[("officer_id", &id)],
                    &["LE-S08"],
                    Expect::Fire,
                    AnomalyKind::Planted,
                    &format!("一年内被投诉 {n} 次"),
                    &format!("{n} complaints within a year"),
                );
            } else {
                self.truth.push(
                    "S08-near",
                    "le_complaints",
                    &[("officer_id", &id)],
                    &["LE-S08"],
                    Expect::NoFire,
                    AnomalyKind::NearThreshold,
                    &format!("一年内被投诉 {n} 次（阈值 3 次）"),
                    &format!("{n} complaints within a year (threshold 3)"),
                );
            }
        }
        out
    }
}

const HALF_ROAD: usize = super::roster::HALF as usize;
