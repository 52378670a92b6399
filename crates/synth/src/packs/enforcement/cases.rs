//! Incidents and cases at the patrol stops: the event timeline, body-camera files around every
//! on-site step, and the paperwork of general-procedure cases (penalty, publication, legal
//! review, hearing notice, clock-stops).

use super::*;

/// What a stop is used for in the background.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    Inspect,
    Incident,
    Summary,
    General,
    PublicSecurity,
}

/// How a general-procedure case runs; the background draws these, plants set them.
#[derive(Debug, Clone)]
pub(super) struct Gen {
    pub ct: CaseType,
    pub source: Source,
    pub code: &'static ViolationCode,
    pub fine: i64,
    pub ground: Option<&'static str>,
    pub outcome: Outcome,
    pub reg_days: i64,
    pub nv: bool,
    pub mc: bool,
    /// Days from the start of the time limit to the decision, clock-stops excluded.
    pub dur: i64,
    pub appraisal: i64,
    pub extension: bool,
    pub hearing: Hearing,
    pub review: Review,
    pub publish: Publish,
    /// Leave the case undecided (open on the reference day).
    pub open: bool,
    /// Keep the decision day even after the case cut-off.
    pub exact: bool,
    pub party: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Hearing {
    /// Notify when the fine calls for it (the background).
    Auto,
    Never,
    /// Notify this many days before (negative: after) the decision, whatever the fine.
    DaysBefore(i64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Review {
    Auto,
    Never,
    /// Review this many days before (negative: after) the decision.
    DaysBefore(i64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Publish {
    Auto,
    Never,
    WorkingDays(i64),
}

/// The rows one case produced.
#[derive(Debug, Clone, Default)]
pub(super) struct Built {
    pub case: usize,
    pub events: Vec<usize>,
    pub av: Vec<usize>,
    pub penalty: Option<usize>,
}

impl Built {
    pub fn event(&self, c: &County<'_>, step: Step) -> usize {
        *self
            .events
            .iter()
            .find(|&&e| c.out.events[e].step == step)
            .expect("the case has the step")
    }
}

impl County<'_> {
    pub(super) fn cases(&mut self) {
        for i in 0..self.stops.len() {
            if !self.stops[i].reserved {
                self.background_stop(i);
            }
        }
    }

    fn background_stop(&mut self, i: usize) {
        let st = self.stops[i].clone();
        let both = self.officers[st.b].sworn;
        let r: f64 = self.rng.random();
        let mut role = if st.day > case_cutoff() || st.day < ymd(2025, 1, 3) {
            Role::Inspect
        } else if r < 0.20 {
            Role::Incident
        } else if r < 0.30 {
            Role::Summary
        } else if r < 0.38 {
            if both { Role::General } else { Role::Summary }
        } else if r < 0.40 {
            if both {
                Role::PublicSecurity
            } else {
                Role::Incident
            }
        } else {
            Role::Inspect
        };
        if role == Role::Inspect || role == Role::Incident {
            if role == Role::Inspect {
                self.inspect_stop(i);
            } else {
                self.incident(&st, st.a, st.b);
            }
            return;
        }
        // The lead: a sworn member who records inspections this month and is under any cap.
        let month = st.day.month();
        let ok = |c: &County<'_>, o: usize| {
            let x = &c.officers[o];
            x.sworn && !x.idle_months.contains(&month) && x.lead_cap.is_none_or(|cap| x.led < cap)
        };
        let (mut lead, mut co) = if both && self.rng.random_bool(0.5) {
            (st.b, st.a)
        } else {
            (st.a, st.b)
        };
        if !ok(self, lead) {
            std::mem::swap(&mut lead, &mut co);
        }
        if !ok(self, lead) {
            role = Role::Incident;
        }
        match role {
            Role::Incident => {
                self.incident(&st, st.a, st.b);
            }
            Role::Summary => {
                let kind = if self.rng.random_bool(0.7) {
                    PartyKind::Person
                } else {
                    PartyKind::Organisation
                };
                let c = self.summary_code(kind);
                let fine = self.summary_fine(c);
                let fine = self.at_min_fine(lead, c, fine);
                self.summary(i, lead, Some(co), c, fine, None);
            }
            _ => {
                let ct = if role == Role::General {
                    CaseType::AdminPenalty
                } else {
                    CaseType::PublicSecurity
                };
                let g = self.draw_gen(ct, lead);
                self.general(i, lead, co, g);
            }
        }
    }

    /// Inspections only: each member records one when their even accumulator comes round.
    pub(super) fn inspect_stop(&mut self, i: usize) {
        let st = self.stops[i].clone();
        let month = st.day.month();
        for (o, shift) in [(st.a, st.shift_a), (st.b, st.shift_b)] {
            let x = &mut self.officers[o];
            if x.idle_months.contains(&month) {
                continue;
            }
            x.insp_acc += x.diligence + if x.sworn { 0.0 } else { 0.25 };
            if x.insp_acc < 1.0 {
                continue;
            }
            x.insp_acc -= 1.0;
            let span = (st.t_out - st.t_in).num_seconds() - 60;
            let t = st.t_in + self.secs(30, span);
            let result = if self.rng.random_bool(0.65) {
                InspectionResult::NoProblem
            } else {
                InspectionResult::Corrected
            };
            self.inspection(o, shift, &st, t, result, None);
        }
    }

    pub(super) fn inspection(
        &mut self,
        o: usize,
        shift: usize,
        st: &Stop,
        t: NaiveDateTime,
        result: InspectionResult,
        case: Option<usize>,
    ) {
        let id = self.id("JC", 6);
        self.out.inspections.push(Inspection {
            inspection_id: id,
            officer_id: self.oid(o),
            shift_id: Some(self.out.shifts[shift].shift_id.clone()),
            occurred_at: t,
            place: st.place.clone(),
            longitude: st.lon,
            latitude: st.lat,
            result,
            case_id: case.map(|c| self.out.cases[c].case_id.clone()),
        });
    }

    #[allow(clippy::too_many_arguments)] // one row's fields
    fn new_case(
        &mut self,
        st: &Stop,
        lead: usize,
        ct: CaseType,
        procedure: Procedure,
        source: Source,
        party: Option<(String, PartyKind)>,
        received_at: NaiveDateTime,
    ) -> usize {
        let id = self.id("AJ", 6);
        let (party_id, party_kind) = match party {
            Some((p, k)) => (Some(p), Some(k)),
            None => (None, None),
        };
        self.out.cases.push(Case {
            case_id: id,
            unit_id: self.unit_id.clone(),
            squad_id: self.squads[st.squad].id.clone(),
            lead_officer_id: self.oid(lead),
            case_type: ct,
            procedure,
            source,
            party_id,
            party_kind,
            place: st.place.clone(),
            division_code: self.squads[st.squad].town.clone(),
            longitude: st.lon,
            latitude: st.lat,
            received_at,
            registered_at: None,
            decided_at: None,
            closed_at: None,
            outcome: None,
            needs_verification: false,
            major_complex: false,
            major_decision: false,
            extension_approval_no: None,
        });
        self.out.cases.len() - 1
    }

    /// Appends an event; `site` puts it at the stop's place (on-site).
    #[allow(clippy::too_many_arguments)] // one row's fields
    pub(super) fn event(
        &mut self,
        b: &mut Built,
        step: Step,
        t: NaiveDateTime,
        officer: usize,
        co: Option<usize>,
        site: Option<&Stop>,
    ) -> usize {
        let id = self.id("HJ", 7);
        self.out.events.push(CaseEvent {
            event_id: id,
            case_id: self.out.cases[b.case].case_id.clone(),
            step,
            occurred_at: t,
            officer_id: self.oid(officer),
            co_officer_id: co.map(|c| self.oid(c)),
            on_site: site.is_some(),
            place: site.map(|s| s.place.clone()),
            longitude: site.map(|s| s.lon),
            latitude: site.map(|s| s.lat),
        });
        b.events.push(self.out.events.len() - 1);
        self.out.events.len() - 1
    }

    /// One body-camera file around each on-site event of the case, ending before the next.
    pub(super) fn av_files(&mut self, b: &mut Built, evidence: bool) {
        let onsite: Vec<usize> = b
            .events
            .iter()
            .copied()
            .filter(|&e| self.out.events[e].on_site)
            .collect();
        for (k, &e) in onsite.iter().enumerate() {
            let t = self.out.events[e].occurred_at;
            let start = t - self.secs(20, 60);
            let mut end = t + self.secs(150, 300);
            if let Some(&n) = onsite.get(k + 1) {
                end = end.min(self.out.events[n].occurred_at - Duration::seconds(10));
            }
            let deleted_on = if evidence || !self.rng.random_bool(0.6) {
                None
            } else {
                // Monthly purge of files older than six months.
                let d = days(end.date(), MIN_RETENTION + 5);
                let d = ymd(d.year(), d.month(), 1)
                    .checked_add_months(chrono::Months::new(1))
                    .unwrap_or(d);
                (d <= as_of()).then_some(d)
            };
            let id = self.id("AV", 7);
            let ev = &self.out.events[e];
            self.out.av.push(AvFile {
                file_id: id,
                officer_id: ev.officer_id.clone(),
                case_id: Some(ev.case_id.clone()),
                event_id: Some(ev.event_id.clone()),
                start_at: start,
                end_at: end,
                is_evidence: evidence,
                deleted_on,
            });
            b.av.push(self.out.av.len() - 1);
        }
    }

    /// A dispatched incident handled at the stop.
    pub(super) fn incident(&mut self, st: &Stop, lead: usize, co: usize) -> Built {
        let st = st.clone();
        let received = st.t_in - self.secs(8 * 60, 20 * 60);
        let source = if self.rng.random_bool(0.7) {
            Source::Dispatch
        } else {
            Source::Report
        };
        let c = self.new_case(
            &st,
            lead,
            CaseType::Incident,
            Procedure::None,
            source,
            None,
            received,
        );
        let mut b = Built {
            case: c,
            ..Built::default()
        };
        self.event(&mut b, Step::Received, received, lead, None, None);
        let t = received + self.secs(60, 180);
        self.event(&mut b, Step::Dispatched, t, lead, Some(co), None);
        let arrived = st.t_in + self.secs(0, 60);
        self.event(&mut b, Step::Arrived, arrived, lead, Some(co), Some(&st));
        let t = arrived + self.secs(240, 360);
        if self.rng.random_bool(0.3) && t < st.t_out - Duration::seconds(60) {
            self.event(&mut b, Step::Inspected, t, lead, Some(co), Some(&st));
        }
        let closed = st.t_out + self.secs(5 * 60, 40 * 60);
        self.event(&mut b, Step::Closed, closed, lead, None, None);
        let case = &mut self.out.cases[c];
        case.closed_at = Some(closed);
        case.outcome = Some(if self.rng.random_bool(0.9) {
            Outcome::Handled
        } else {
            Outcome::Transferred
        });
        self.av_files(&mut b, false);
        b
    }

    pub(super) fn summary_code(&mut self, kind: PartyKind) -> &'static ViolationCode {
        let list: &[&str] = match kind {
            PartyKind::Person => &["SR-01", "SR-03", "SR-04"],
            PartyKind::Organisation => &["SR-02", "GG-01"],
        };
        model::code(pick(&mut self.rng, list))
    }

    /// Money steps a benchmark's fines move in.
    pub(super) fn step(c: &ViolationCode) -> i64 {
        if c.max <= y(500) {
            y(10)
        } else if c.max <= y(20_000) {
            y(100)
        } else {
            y(1_000)
        }
    }

    /// An on-the-spot fine above the minimum and within the summary cap.
    fn summary_fine(&mut self, c: &ViolationCode) -> i64 {
        let cap = match c.party {
            PartyKind::Person => CAP_PERSON,
            PartyKind::Organisation => CAP_ORG,
        };
        let step = Self::step(c);
        let hi = (c.max.min(cap) - c.min) / step;
        c.min + step * self.rng.random_range(1..=hi.max(1))
    }

    /// A fine in a band (above the minimum), or below it for a mitigated decision.
    pub(super) fn band_fine(&mut self, c: &ViolationCode, band: Band) -> i64 {
        let step = Self::step(c);
        let (lo, hi) = match band {
            Band::Mitigated | Band::None => return (c.min / 2 / step * step).max(step / 2),
            Band::Light => (c.min + step, c.light_max),
            Band::Normal => (c.light_max + step, c.heavy_min - step),
            Band::Heavy => (c.heavy_min, c.max),
        };
        let n = ((hi - lo) / step).max(0);
        lo + step * self.rng.random_range(0..=n)
    }

    /// The officer's fine: `fine`, or the code's minimum when the officer's even accumulator
    /// comes round (one step above it for the near-miss officer).
    fn at_min_fine(&mut self, o: usize, c: &ViolationCode, fine: i64) -> i64 {
        let x = &mut self.officers[o];
        x.min_acc += x.at_min;
        if x.min_acc < 1.0 {
            return fine;
        }
        x.min_acc -= 1.0;
        if x.min_step {
            c.min + Self::step(c)
        } else {
            c.min
        }
    }

    /// A party no background case has penalised twice already.
    pub(super) fn party(&mut self, kind: PartyKind) -> String {
        if kind == PartyKind::Organisation && self.rng.random_bool(0.3) {
            let n = self.serial.get("DSE").copied().unwrap_or(0);
            if n > 0 {
                let k = self.rng.random_range(1..=n);
                let id = format!("DS{}-E{k:05}", self.code);
                if self.parties.get(&id).copied().unwrap_or(0) < 2 {
                    return id;
                }
            }
        }
        let (prefix, tag) = match kind {
            PartyKind::Person => ("DSP", 'P'),
            PartyKind::Organisation => ("DSE", 'E'),
        };
        let n = self.next(prefix);
        format!("DS{}-{tag}{n:05}", self.code)
    }

    /// An on-the-spot (summary procedure) penalty at the stop.
    pub(super) fn summary(
        &mut self,
        i: usize,
        lead: usize,
        co: Option<usize>,
        c: &'static ViolationCode,
        fine: i64,
        party: Option<String>,
    ) -> Built {
        let st = self.stops[i].clone();
        self.officers[lead].led += 1;
        self.officers[lead].abn_acc += self.officers[lead].abnormal;
        let found = st.t_in + self.secs(30, 90);
        let party = party.unwrap_or_else(|| self.party(c.party));
        *self.parties.entry(party.clone()).or_default() += 1;
        let received = found + self.secs(20, 60);
        let case = self.new_case(
            &st,
            lead,
            CaseType::AdminPenalty,
            Procedure::Summary,
            Source::Patrol,
            Some((party, c.party)),
            received,
        );
        let shift = if lead == st.a { st.shift_a } else { st.shift_b };
        self.inspection(lead, shift, &st, found, InspectionResult::Case, Some(case));
        let mut b = Built {
            case,
            ..Built::default()
        };
        let span = (st.t_out - st.t_in).num_seconds();
        let frac = |f: f64| st.t_in + Duration::seconds((span as f64 * f) as i64);
        self.event(&mut b, Step::Received, received, lead, co, None);
        let t1 = frac(0.25) + self.secs(0, 20);
        self.event(&mut b, Step::Inspected, t1, lead, co, Some(&st));
        let t2 = frac(0.55) + self.secs(0, 20);
        self.event(&mut b, Step::Decided, t2, lead, co, Some(&st));
        let t3 = frac(0.8) + self.secs(0, 20);
        self.event(&mut b, Step::Served, t3, lead, co, Some(&st));
        let closed = st.t_out + self.secs(3600, 4 * 3600);
        self.event(&mut b, Step::Closed, closed, lead, None, None);
        let x = &mut self.out.cases[case];
        x.decided_at = Some(t2);
        x.closed_at = Some(closed);
        x.outcome = Some(Outcome::Penalty);
        let p = self.penalty(case, lead, c, fine, None, true, t2.date());
        b.penalty = Some(p);
        self.av_files(&mut b, true);
        b
    }

    #[allow(clippy::too_many_arguments)] // one row's fields
    pub(super) fn penalty(
        &mut self,
        case: usize,
        officer: usize,
        c: &'static ViolationCode,
        fine: i64,
        ground: Option<&'static str>,
        on_the_spot: bool,
        decided_on: NaiveDate,
    ) -> usize {
        let id = self.id("CF", 6);
        self.out.penalties.push(Penalty {
            penalty_id: id,
            case_id: self.out.cases[case].case_id.clone(),
            officer_id: self.oid(officer),
            violation_code: c.code,
            band: if ground.is_some() {
                Band::Mitigated
            } else {
                band_of(c, fine).max(Band::Light)
            },
            fine,
            mitigation_ground: ground,
            on_the_spot,
            decided_on,
            voided_on: None,
            reissue_of: None,
        });
        self.out.penalties.len() - 1
    }

    /// The background's parameters of a general-procedure case.
    pub(super) fn draw_gen(&mut self, ct: CaseType, lead: usize) -> Gen {
        let code = if ct == CaseType::PublicSecurity {
            model::code(pick(&mut self.rng, &["ZA-01", "ZA-02"]))
        } else {
            let list = [
                "SR-01", "SR-02", "GG-01", "GG-01", "ZS-01", "ZT-01", "DQ-01", "DQ-01", "DQ-02",
                "JS-01", "JS-02",
            ];
            model::code(pick(&mut self.rng, &list))
        };
        let x = &mut self.officers[lead];
        x.led += 1;
        x.abn_acc += x.abnormal;
        let outcome = if x.abn_acc >= 1.0 {
            x.abn_acc -= 1.0;
            let r: f64 = self.rng.random();
            if r < 0.4 {
                Outcome::NoPenalty
            } else if r < 0.6 {
                Outcome::Withdrawn
            } else if r < 0.8 {
                Outcome::Terminated
            } else {
                Outcome::NotRegistered
            }
        } else {
            Outcome::Penalty
        };
        let r: f64 = self.rng.random();
        let band = if r < 0.05 {
            Band::Mitigated
        } else if r < 0.40 {
            Band::Light
        } else if r < 0.85 {
            Band::Normal
        } else {
            Band::Heavy
        };
        let fine = self.band_fine(code, band);
        let fine = if band == Band::Mitigated || outcome != Outcome::Penalty {
            fine
        } else {
            self.at_min_fine(lead, code, fine)
        };
        let ground = (band == Band::Mitigated).then(|| pick(&mut self.rng, model::GROUNDS));
        let mc = code.code.starts_with("JS") && self.rng.random_bool(0.3);
        let nv = !mc && self.rng.random_bool(0.08);
        let reg_days = if mc {
            self.rng.random_range(5..=25)
        } else if nv {
            self.rng.random_range(0..=6)
        } else {
            self.rng.random_range(0..=2)
        };
        let extension = ct == CaseType::PublicSecurity && self.rng.random_bool(0.1);
        let dur = match ct {
            CaseType::PublicSecurity if extension => self.rng.random_range(31..=55),
            CaseType::PublicSecurity => self.rng.random_range(3..=25),
            _ => self.rng.random_range(10..=60),
        };
        let appraisal = if ct == CaseType::AdminPenalty && self.rng.random_bool(0.05) {
            self.rng.random_range(10..=30)
        } else {
            0
        };
        let source = match (ct, self.rng.random_range(0..20)) {
            (CaseType::PublicSecurity, 0..=13) => Source::Dispatch,
            (CaseType::PublicSecurity, _) => Source::Report,
            (_, 0..=11) => Source::Patrol,
            (_, 12..=16) => Source::Report,
            _ => Source::Referral,
        };
        Gen {
            ct,
            source,
            code,
            fine,
            ground,
            outcome,
            reg_days,
            nv,
            mc,
            dur,
            appraisal,
            extension,
            hearing: Hearing::Auto,
            review: Review::Auto,
            publish: Publish::Auto,
            open: false,
            exact: false,
            party: None,
        }
    }

    /// A general-procedure case (administrative penalty or 治安) investigated at the stop.
    pub(super) fn general(&mut self, i: usize, lead: usize, co: usize, mut g: Gen) -> Built {
        let st = self.stops[i].clone();
        let c = g.code;
        let kind = c.party;
        let penalised = g.outcome == Outcome::Penalty;
        let party = g.party.take().unwrap_or_else(|| self.party(kind));
        if penalised {
            *self.parties.entry(party.clone()).or_default() += 1;
        }
        let ps = g.ct == CaseType::PublicSecurity;
        let found = st.t_in + self.secs(30, 90);
        let received = match g.source {
            Source::Patrol => found + self.secs(20, 60),
            Source::Dispatch | Source::Report if ps => st.t_in - self.secs(8 * 60, 20 * 60),
            _ => {
                let d = days(st.day, -1);
                self.office(d)
            }
        };
        let case = self.new_case(
            &st,
            lead,
            g.ct,
            Procedure::General,
            g.source,
            Some((party, kind)),
            received,
        );
        let mut b = Built {
            case,
            ..Built::default()
        };
        if g.source == Source::Patrol {
            let shift = if lead == st.a { st.shift_a } else { st.shift_b };
            self.inspection(lead, shift, &st, found, InspectionResult::Case, Some(case));
        }
        self.event(&mut b, Step::Received, received, lead, None, None);
        if ps {
            let t = received + self.secs(60, 180);
            self.event(&mut b, Step::Dispatched, t, lead, Some(co), None);
            let t = st.t_in + self.secs(0, 60);
            self.event(&mut b, Step::Arrived, t, lead, Some(co), Some(&st));
        }
        let span = (st.t_out - st.t_in).num_seconds();
        let inspected = st.t_in + Duration::seconds(span * 2 / 5) + self.secs(0, 20);
        self.event(
            &mut b,
            Step::Inspected,
            inspected,
            lead,
            Some(co),
            Some(&st),
        );
        {
            let x = &mut self.out.cases[case];
            x.needs_verification = g.nv;
            x.major_complex = g.mc;
        }
        if g.outcome == Outcome::NotRegistered {
            let k = self.rng.random_range(1..=3);
            let closed = self.office(days(received.date(), k));
            self.event(&mut b, Step::Closed, closed, lead, None, None);
            let x = &mut self.out.cases[case];
            x.closed_at = Some(closed);
            x.outcome = Some(Outcome::NotRegistered);
            self.av_files(&mut b, true);
            return b;
        }
        // Registrations of the year's last cases stay within the year.
        let reg_date =
            days(received.date(), g.reg_days).min(ymd(2025, 12, 23).max(received.date()));
        let mut registered = self.office(reg_date);
        if registered < inspected + Duration::minutes(20) {
            registered = inspected + self.secs(30 * 60, 90 * 60);
        }
        self.event(&mut b, Step::Registered, registered, lead, Some(co), None);
        self.out.cases[case].registered_at = Some(registered);
        let start = if ps {
            received.date()
        } else {
            registered.date()
        };
        // The fine decides the paperwork: hearing notice and legal review.
        let threshold = match (ps, kind) {
            (true, _) => HEARING_PS,
            (false, PartyKind::Person) => HEARING_PERSON,
            (false, PartyKind::Organisation) => HEARING_ORG,
        };
        let big = penalised
            && (g.fine >= threshold || (kind == PartyKind::Organisation && g.fine >= MAJOR_ORG));
        let notice_before = match g.hearing {
            Hearing::Auto if big => Some(self.rng.random_range(6..=10)),
            Hearing::DaysBefore(n) => Some(n),
            _ => None,
        };
        let requested = notice_before.is_some_and(|n| n >= 6) && self.rng.random_bool(0.3);
        let hearing_len = if requested {
            self.rng.random_range(7..=15)
        } else {
            0
        };
        let mut decided = days(start, g.dur + g.appraisal + hearing_len);
        if !g.open && !g.exact && decided > case_cutoff() {
            let limit = match (ps, g.extension) {
                (true, true) => PS_DAYS + PS_EXTENSION,
                (true, false) => PS_DAYS,
                _ => ADMIN_DAYS,
            };
            let elapsed = (as_of() - start).num_days() - g.appraisal - hearing_len;
            if elapsed <= limit - 5 {
                g.open = true;
            } else {
                decided = case_cutoff();
            }
        }
        if g.appraisal > 0 {
            self.out.clock_stops.push(ClockStop {
                case_id: self.out.cases[case].case_id.clone(),
                kind: StopKind::Appraisal,
                start_date: days(start, 2),
                end_date: days(start, 1 + g.appraisal),
            });
        }
        if g.extension {
            let n = self.next("YQ");
            self.out.cases[case].extension_approval_no =
                Some(format!("{}综执延〔2025〕{n}号", self.short));
        }
        if g.open {
            // Still under investigation on the reference day.
            self.av_files(&mut b, true);
            return b;
        }
        if let Some(n) = notice_before {
            let notified = days(decided, -(n + hearing_len));
            self.out.hearings.push(HearingNotice {
                case_id: self.out.cases[case].case_id.clone(),
                notified_on: notified,
                requested,
            });
            if requested {
                self.out.clock_stops.push(ClockStop {
                    case_id: self.out.cases[case].case_id.clone(),
                    kind: StopKind::Hearing,
                    start_date: days(notified, 3),
                    end_date: days(notified, 2 + hearing_len),
                });
            }
        }
        let decided_at = self.office(decided).max(registered + Duration::hours(1));
        let major = big && penalised;
        self.out.cases[case].major_decision = major;
        let review_before = match g.review {
            Review::Auto if major => Some(self.rng.random_range(1..=4)),
            Review::DaysBefore(n) => Some(n),
            _ => None,
        };
        if let Some(n) = review_before {
            let id = self.id("FS", 5);
            let conclusion = if self.rng.random_bool(0.85) {
                Conclusion::Approved
            } else {
                Conclusion::Amend
            };
            self.out.reviews.push(LegalReview {
                review_id: id,
                case_id: self.out.cases[case].case_id.clone(),
                reviewed_on: days(decided, -n),
                reviewer_person_id: self.reviewer.clone(),
                conclusion,
            });
        }
        match g.outcome {
            Outcome::Withdrawn | Outcome::Terminated => {
                let step = if g.outcome == Outcome::Withdrawn {
                    Step::Voided
                } else {
                    Step::Closed
                };
                self.event(&mut b, step, decided_at, lead, Some(co), None);
                let x = &mut self.out.cases[case];
                x.closed_at = Some(decided_at);
                x.outcome = Some(g.outcome);
            }
            _ => {
                self.event(&mut b, Step::Decided, decided_at, lead, Some(co), None);
                let k = self.rng.random_range(0..=3);
                let served = self
                    .office(days(decided, k))
                    .max(decided_at + Duration::hours(1));
                self.event(&mut b, Step::Served, served, lead, Some(co), None);
                let k = self.rng.random_range(5..=30);
                let closed = self.office(days(served.date(), k));
                let closed = (closed.date() <= as_of()).then_some(closed);
                if let Some(t) = closed {
                    self.event(&mut b, Step::Closed, t, lead, None, None);
                }
                let x = &mut self.out.cases[case];
                x.decided_at = Some(decided_at);
                x.closed_at = closed;
                x.outcome = Some(g.outcome);
                if penalised {
                    let p = self.penalty(case, lead, c, g.fine, g.ground, false, decided);
                    b.penalty = Some(p);
                    let wd = match g.publish {
                        Publish::Auto if !ps => Some(self.rng.random_range(1..=5)),
                        Publish::WorkingDays(n) => Some(n),
                        _ => None,
                    };
                    if let Some(n) = wd {
                        let channel = format!("{}{}", self.short, pick(&mut self.rng, CHANNELS));
                        self.out.publications.push(Publication {
                            penalty_id: self.out.penalties[p].penalty_id.clone(),
                            published_on: working_day_after(decided, n),
                            channel,
                        });
                    }
                }
            }
        }
        self.av_files(&mut b, true);
        b
    }
}
