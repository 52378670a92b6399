//! What a unit looks like from the inside: its head's title, deputies, key posts and staff.

use super::KeyArea;
use KeyArea::{Bidding, Finance, Investment, Personnel, Procurement, PropertyTrading};
use std::ops::RangeInclusive;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TownKind {
    /// 街道 (codes 001–099)
    Street,
    /// 镇 (codes 101–199)
    Town,
    /// 乡 (codes 201–299)
    Xiang,
}

impl TownKind {
    pub fn suffix(self) -> &'static str {
        match self {
            TownKind::Street => "街道",
            TownKind::Town => "镇",
            TownKind::Xiang => "乡",
        }
    }
    pub fn first_serial(self) -> u32 {
        match self {
            TownKind::Street => 1,
            TownKind::Town => 101,
            TownKind::Xiang => 201,
        }
    }
}

/// The internal shape of a unit, which decides titles and staff numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    /// 区/县/市人民政府; the string is the head's title (区长, 县长, 市长).
    CountyGov(&'static str),
    /// A county department; the string is the head's title (局长, 主任, 书记).
    CountyDept(&'static str),
    Township(TownKind),
    SoeGroup,
    SoeSub,
    Private,
    Village {
        community: bool,
    },
    School {
        kindergarten: bool,
    },
    /// `small`: a township health centre; the string is the head's title (院长, 主任).
    Hospital {
        small: bool,
        head: &'static str,
    },
    Transport {
        company: bool,
    },
    Culture {
        station: bool,
    },
}

pub(super) struct Shape {
    pub head: &'static str,
    pub deputies: &'static [&'static str],
    pub key: &'static [(&'static str, KeyArea)],
    pub regular: &'static [&'static str],
    pub n_deputies: RangeInclusive<usize>,
    pub n_key: RangeInclusive<usize>,
    pub n_regular: RangeInclusive<usize>,
}

const ORGAN_KEY: &[(&str, KeyArea)] = &[
    ("计划财务科科长", Finance),
    ("政府采购专员", Procurement),
    ("人事科科长", Personnel),
    ("招标采购科科长", Bidding),
];
const ORGAN_REGULAR: &[&str] = &[
    "一级科员",
    "二级科员",
    "四级主任科员",
    "三级主任科员",
    "科长",
    "办事员",
];

impl Role {
    pub fn shape(self) -> Shape {
        match self {
            Role::CountyGov(head) => Shape {
                head,
                deputies: match head {
                    "县长" => &["常务副县长", "副县长"],
                    "市长" => &["常务副市长", "副市长"],
                    _ => &["常务副区长", "副区长"],
                },
                key: ORGAN_KEY,
                regular: ORGAN_REGULAR,
                n_deputies: 3..=5,
                n_key: 1..=2,
                n_regular: 6..=12,
            },
            Role::CountyDept(head) => Shape {
                head,
                deputies: match head {
                    "局长" => &["副局长"],
                    "书记" => &["副书记"],
                    _ => &["副主任"],
                },
                key: ORGAN_KEY,
                regular: ORGAN_REGULAR,
                n_deputies: 1..=3,
                n_key: 1..=2,
                n_regular: 3..=8,
            },
            Role::Township(kind) => Shape {
                head: match kind {
                    TownKind::Street => "党工委书记",
                    TownKind::Town => "镇党委书记",
                    TownKind::Xiang => "乡党委书记",
                },
                deputies: match kind {
                    TownKind::Street => &["街道办事处主任", "党工委副书记", "办事处副主任"],
                    TownKind::Town => &["镇长", "镇党委副书记", "副镇长"],
                    TownKind::Xiang => &["乡长", "乡党委副书记", "副乡长"],
                },
                key: &[
                    ("财政所所长", Finance),
                    ("组织委员", Personnel),
                    ("公共资源交易站站长", Bidding),
                    ("三资管理服务中心主任", PropertyTrading),
                    ("物资采购专员", Procurement),
                ],
                regular: &[
                    "科员",
                    "办事员",
                    "综合执法队员",
                    "网格管理员",
                    "社会事务办主任",
                ],
                n_deputies: 2..=4,
                n_key: 2..=3,
                n_regular: 5..=10,
            },
            Role::SoeGroup | Role::SoeSub => Shape {
                head: if self == Role::SoeGroup {
                    "董事长"
                } else {
                    "执行董事"
                },
                deputies: &["总经理", "副总经理"],
                key: &[
                    ("财务部经理", Finance),
                    ("投资发展部经理", Investment),
                    ("采购部经理", Procurement),
                    ("招标采购专员", Bidding),
                    ("资产经营部经理", PropertyTrading),
                    ("人力资源部经理", Personnel),
                ],
                regular: &["职员", "工程师", "项目经理", "会计", "出纳"],
                n_deputies: if self == Role::SoeGroup { 2..=3 } else { 1..=2 },
                n_key: if self == Role::SoeGroup { 2..=4 } else { 1..=2 },
                n_regular: if self == Role::SoeGroup { 4..=8 } else { 3..=6 },
            },
            Role::Private => Shape {
                head: "董事长",
                deputies: &["总经理", "副总经理"],
                key: &[
                    ("财务总监", Finance),
                    ("采购经理", Procurement),
                    ("投资部经理", Investment),
                ],
                regular: &["职员", "技术员", "销售经理", "工程师"],
                n_deputies: 1..=2,
                n_key: 0..=1,
                n_regular: 1..=4,
            },
            Role::Village { community } => Shape {
                head: if community {
                    "社区党组织书记、居委会主任"
                } else {
                    "村党组织书记、村委会主任"
                },
                deputies: if community {
                    &["居委会副主任"]
                } else {
                    &["村委会副主任"]
                },
                key: &[
                    ("报账员", Finance),
                    ("村级工程项目负责人", Bidding),
                    ("集体资产管理员", PropertyTrading),
                ],
                regular: if community {
                    &[
                        "社区居委会委员",
                        "社区工作者",
                        "网格员",
                        "居务监督委员会主任",
                    ]
                } else {
                    &["村委会委员", "村务监督委员会主任", "网格员"]
                },
                n_deputies: 0..=1,
                n_key: 1..=1,
                n_regular: 0..=2,
            },
            Role::School { kindergarten } => Shape {
                head: if kindergarten { "园长" } else { "校长" },
                deputies: if kindergarten {
                    &["副园长"]
                } else {
                    &["副校长"]
                },
                key: &[
                    ("总务主任", Procurement),
                    ("财务负责人", Finance),
                    ("人事干部", Personnel),
                ],
                regular: if kindergarten {
                    &["教师", "保育员"]
                } else {
                    &["教师", "班主任", "教研组长"]
                },
                n_deputies: 1..=2,
                n_key: 1..=2,
                n_regular: 3..=7,
            },
            Role::Hospital { small, head } => Shape {
                head,
                deputies: if head == "主任" {
                    &["副主任"]
                } else {
                    &["副院长"]
                },
                key: &[
                    ("设备科科长", Procurement),
                    ("药剂科主任", Procurement),
                    ("财务科科长", Finance),
                    ("招标采购办主任", Bidding),
                    ("人事科科长", Personnel),
                ],
                regular: &["医师", "主治医师", "护士", "护士长", "药师"],
                n_deputies: if small { 1..=2 } else { 2..=3 },
                n_key: if small { 1..=2 } else { 2..=4 },
                n_regular: if small { 4..=8 } else { 6..=14 },
            },
            Role::Transport { company } => Shape {
                head: if company { "总经理" } else { "主任" },
                deputies: if company {
                    &["副总经理"]
                } else {
                    &["副主任"]
                },
                key: &[
                    ("工程科科长", Bidding),
                    ("财务科科长", Finance),
                    ("物资设备科科长", Procurement),
                ],
                regular: &["职员", "驾驶员", "调度员", "养护工"],
                n_deputies: 1..=2,
                n_key: 1..=2,
                n_regular: 3..=8,
            },
            Role::Culture { station } => Shape {
                head: if station { "站长" } else { "馆长" },
                deputies: if station {
                    &["副站长"]
                } else {
                    &["副馆长"]
                },
                key: &[("财务负责人", Finance), ("采购专员", Procurement)],
                regular: if station {
                    &["文化专干", "文化员"]
                } else {
                    &["馆员", "助理馆员"]
                },
                n_deputies: if station { 0..=1 } else { 1..=1 },
                n_key: 0..=1,
                n_regular: if station { 1..=2 } else { 2..=5 },
            },
        }
    }
}
