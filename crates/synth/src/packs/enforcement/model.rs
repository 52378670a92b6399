//! Codes and Chinese labels of the enforcement enums (as in `enforcement.toml`), the
//! violation-code dictionary with its discretion bands, and the rule thresholds of
//! `/work/spec/le-semantics.md` the background keeps and the plants straddle.

/// An enum whose values carry the dataset's code and Chinese label.
macro_rules! labelled {
    ($(#[$m:meta])* $name:ident { $($v:ident = ($code:literal, $zh:literal)),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($v),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),+];
            pub fn code(self) -> &'static str {
                match self { $($name::$v => $code),+ }
            }
            pub fn name_zh(self) -> &'static str {
                match self { $($name::$v => $zh),+ }
            }
        }
    };
}

labelled!(ShiftKind {
    Patrol = ("patrol", "巡查"),
    OnCall = ("on_call", "值班"),
    Desk = ("desk", "内勤"),
});

labelled!(InspectionResult {
    NoProblem = ("no_problem", "未发现问题"),
    Corrected = ("corrected", "当场纠正"),
    Case = ("case", "转立案"),
});

labelled!(CaseType {
    Incident = ("incident", "警情事件"),
    AdminPenalty = ("admin_penalty", "行政处罚"),
    PublicSecurity = ("public_security", "治安案件"),
});

labelled!(Procedure {
    None = ("none", "无"),
    Summary = ("summary", "简易程序"),
    General = ("general", "普通程序"),
});

labelled!(Source {
    Patrol = ("patrol", "巡查发现"),
    Report = ("report", "投诉举报"),
    Dispatch = ("dispatch", "指挥派单"),
    Referral = ("referral", "部门移送"),
});

labelled!(PartyKind {
    Person = ("person", "自然人"),
    Organisation = ("organisation", "单位"),
});

labelled!(Outcome {
    Handled = ("handled", "处置完毕"),
    Penalty = ("penalty", "给予处罚"),
    NoPenalty = ("no_penalty", "不予处罚"),
    NotRegistered = ("not_registered", "不予立案"),
    Withdrawn = ("withdrawn", "撤销案件"),
    Terminated = ("terminated", "终止调查"),
    Transferred = ("transferred", "移送"),
});

labelled!(Step {
    Received = ("received", "受案接警"),
    Dispatched = ("dispatched", "派警"),
    Arrived = ("arrived", "到场"),
    Inspected = ("inspected", "检查取证"),
    Registered = ("registered", "立案"),
    Decided = ("decided", "决定"),
    Served = ("served", "送达"),
    Closed = ("closed", "结案"),
    Voided = ("voided", "撤销"),
});

labelled!(Band {
    None = ("none", "不予处罚"),
    Mitigated = ("mitigated", "减轻"),
    Light = ("light", "从轻"),
    Normal = ("normal", "一般"),
    Heavy = ("heavy", "从重"),
});

labelled!(Conclusion {
    Approved = ("approved", "同意"),
    Amend = ("amend", "修改后同意"),
    Rejected = ("rejected", "不同意"),
});

labelled!(StopKind {
    Appraisal = ("appraisal", "鉴定"),
    Announcement = ("announcement", "公告"),
    Hearing = ("hearing", "听证"),
});

labelled!(Category {
    Attitude = ("attitude", "态度作风"),
    Inaction = ("inaction", "不作为"),
    Abuse = ("abuse", "滥用职权"),
    Force = ("force", "不当使用强制"),
    Integrity = ("integrity", "廉洁问题"),
});

labelled!(Finding {
    Pending = ("pending", "调查中"),
    Sustained = ("sustained", "属实"),
    NotSustained = ("not_sustained", "无法查实"),
    Unfounded = ("unfounded", "不属实"),
});

labelled!(ForceLevel {
    Restraint = ("restraint", "徒手控制"),
    Equipment = ("equipment", "使用警械"),
    Injury = ("injury", "造成伤害"),
});

labelled!(Sanction {
    None = ("none", "不予处分"),
    Criticism = ("criticism", "批评教育"),
    Warning = ("warning", "警告"),
    Demerit = ("demerit", "记过"),
    MajorDemerit = ("major_demerit", "记大过"),
    Demotion = ("demotion", "降级"),
    Dismissal = ("dismissal", "开除"),
});

/// One entry of the discretion benchmark (裁量基准). Money in fen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ViolationCode {
    pub code: &'static str,
    pub name: &'static str,
    pub basis: &'static str,
    pub party: PartyKind,
    /// Which case type it is handled as.
    pub case_type: CaseType,
    pub min: i64,
    pub max: i64,
    pub light_max: i64,
    pub heavy_min: i64,
}

pub(super) const fn y(yuan: i64) -> i64 {
    yuan * 100
}

/// The dictionary: typical urban-management violations with fine ranges of the laws and
/// regulations named (the bands are a county's own benchmark, as such benchmarks look).
pub const CODES: &[ViolationCode] = &[
    ViolationCode {
        code: "SR-01",
        name: "擅自占道经营（个人）",
        basis: "《浙江省城市市容和环境卫生管理条例》",
        party: PartyKind::Person,
        case_type: CaseType::AdminPenalty,
        min: y(50),
        max: y(500),
        light_max: y(100),
        heavy_min: y(300),
    },
    ViolationCode {
        code: "SR-02",
        name: "店外经营、占道经营（单位）",
        basis: "《浙江省城市市容和环境卫生管理条例》",
        party: PartyKind::Organisation,
        case_type: CaseType::AdminPenalty,
        min: y(200),
        max: y(2000),
        light_max: y(500),
        heavy_min: y(1200),
    },
    ViolationCode {
        code: "SR-03",
        name: "乱张贴、乱涂写、乱刻画",
        basis: "《城市市容和环境卫生管理条例》第三十四条",
        party: PartyKind::Person,
        case_type: CaseType::AdminPenalty,
        min: y(20),
        max: y(200),
        light_max: y(50),
        heavy_min: y(150),
    },
    ViolationCode {
        code: "SR-04",
        name: "随地吐痰、乱扔果皮纸屑烟头",
        basis: "《城市市容和环境卫生管理条例》第三十四条",
        party: PartyKind::Person,
        case_type: CaseType::AdminPenalty,
        min: y(10),
        max: y(50),
        light_max: y(20),
        heavy_min: y(40),
    },
    ViolationCode {
        code: "GG-01",
        name: "违规设置户外广告、招牌",
        basis: "《浙江省城市市容和环境卫生管理条例》",
        party: PartyKind::Organisation,
        case_type: CaseType::AdminPenalty,
        min: y(1000),
        max: y(10000),
        light_max: y(3000),
        heavy_min: y(7000),
    },
    ViolationCode {
        code: "ZS-01",
        name: "商业经营活动噪声扰民",
        basis: "《中华人民共和国噪声污染防治法》第八十二条",
        party: PartyKind::Organisation,
        case_type: CaseType::AdminPenalty,
        min: y(2000),
        max: y(20000),
        light_max: y(5000),
        heavy_min: y(12000),
    },
    ViolationCode {
        code: "ZT-01",
        name: "渣土运输沿途抛洒、遗撒",
        basis: "《城市建筑垃圾管理规定》第二十三条",
        party: PartyKind::Organisation,
        case_type: CaseType::AdminPenalty,
        min: y(5000),
        max: y(50000),
        light_max: y(15000),
        heavy_min: y(35000),
    },
    ViolationCode {
        code: "DQ-01",
        name: "餐饮油烟未经处理直接排放",
        basis: "《中华人民共和国大气污染防治法》第一百一十八条",
        party: PartyKind::Organisation,
        case_type: CaseType::AdminPenalty,
        min: y(5000),
        max: y(50000),
        light_max: y(15000),
        heavy_min: y(35000),
    },
    ViolationCode {
        code: "DQ-02",
        name: "露天焚烧垃圾、落叶",
        basis: "《中华人民共和国大气污染防治法》第一百一十九条",
        party: PartyKind::Person,
        case_type: CaseType::AdminPenalty,
        min: y(500),
        max: y(2000),
        light_max: y(800),
        heavy_min: y(1500),
    },
    ViolationCode {
        code: "JS-01",
        name: "未取得建设工程规划许可证进行建设（单位）",
        basis: "《中华人民共和国城乡规划法》第六十四条",
        party: PartyKind::Organisation,
        case_type: CaseType::AdminPenalty,
        min: y(10000),
        max: y(500000),
        light_max: y(50000),
        heavy_min: y(200000),
    },
    ViolationCode {
        code: "JS-02",
        name: "未取得建设工程规划许可证进行建设（个人）",
        basis: "《中华人民共和国城乡规划法》第六十四条",
        party: PartyKind::Person,
        case_type: CaseType::AdminPenalty,
        min: y(1000),
        max: y(50000),
        light_max: y(5000),
        heavy_min: y(20000),
    },
    ViolationCode {
        code: "ZA-01",
        name: "制造噪声干扰他人正常生活",
        basis: "《中华人民共和国治安管理处罚法》第五十八条",
        party: PartyKind::Person,
        case_type: CaseType::PublicSecurity,
        min: y(200),
        max: y(500),
        light_max: y(300),
        heavy_min: y(400),
    },
    ViolationCode {
        code: "ZA-02",
        name: "扰乱单位、公共场所秩序",
        basis: "《中华人民共和国治安管理处罚法》第二十三条",
        party: PartyKind::Person,
        case_type: CaseType::PublicSecurity,
        min: y(200),
        max: y(500),
        light_max: y(300),
        heavy_min: y(400),
    },
];

pub fn code(code: &str) -> &'static ViolationCode {
    CODES
        .iter()
        .find(|c| c.code == code)
        .expect("a code of the dictionary")
}

/// The band a fine falls in (below the minimum only with a mitigation ground).
pub fn band_of(c: &ViolationCode, fine: i64) -> Band {
    if fine < c.min {
        Band::Mitigated
    } else if fine <= c.light_max {
        Band::Light
    } else if fine < c.heavy_min {
        Band::Normal
    } else {
        Band::Heavy
    }
}

/// Summary-procedure caps (行政处罚法 Art. 51), in fen.
pub const CAP_PERSON: i64 = y(200);
pub const CAP_ORG: i64 = y(3_000);
/// Hearing thresholds (较大数额) of the semantics file, in fen.
pub const HEARING_PERSON: i64 = y(10_000);
pub const HEARING_ORG: i64 = y(100_000);
pub const HEARING_PS: i64 = y(2_000);
/// Fines from which the background treats a decision as major (重大执法决定) and notifies the
/// hearing right anyway (a stricter local practice than the thresholds above).
pub const MAJOR_ORG: i64 = y(50_000);
/// Time limits in days.
pub const ADMIN_DAYS: i64 = 90;
pub const PS_DAYS: i64 = 30;
pub const PS_EXTENSION: i64 = 30;
pub const REG_DAYS: i64 = 3;
pub const VERIFY_DAYS: i64 = 7;
pub const COMPLEX_DAYS: i64 = 30;
pub const MIN_RETENTION: i64 = 180;
pub const PUBLISH_WORKING_DAYS: i64 = 7;

/// Mitigation grounds (行政处罚法 Art. 32).
pub const GROUNDS: &[&str] = &[
    "主动消除或者减轻违法行为危害后果",
    "配合行政机关查处违法行为有立功表现",
    "受他人胁迫或者诱骗实施违法行为",
];

pub const CHANNELS: &[&str] = &["政府门户网站", "浙江政务服务网", "信用中国（浙江）"];
