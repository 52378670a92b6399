//! User roles (design §7).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Supervisor,
    Unit,
    Commander,
    Analyst,
    Auditor,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Admin,
        Role::Supervisor,
        Role::Unit,
        Role::Commander,
        Role::Analyst,
        Role::Auditor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Supervisor => "supervisor",
            Role::Unit => "unit",
            Role::Commander => "commander",
            Role::Analyst => "analyst",
            Role::Auditor => "auditor",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Role::Admin => "系统管理员",
            Role::Supervisor => "纪检监察",
            Role::Unit => "主体责任单位",
            Role::Commander => "执法指挥",
            Role::Analyst => "数据分析",
            Role::Auditor => "审计（只读）",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Role::Admin => "administrator",
            Role::Supervisor => "supervisor",
            Role::Unit => "unit (principal responsibility)",
            Role::Commander => "enforcement commander",
            Role::Analyst => "analyst",
            Role::Auditor => "auditor (read-only)",
        }
    }

    /// Whether the role is scoped to units rather than to divisions.
    pub fn is_unit_scoped(self) -> bool {
        self == Role::Unit
    }

    /// Roles that may change registry and lake data (import).
    pub fn can_import(self) -> bool {
        matches!(self, Role::Admin | Role::Analyst)
    }

    /// Roles that administer users and tokens.
    pub fn can_admin(self) -> bool {
        self == Role::Admin
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = crate::Msg;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL.into_iter().find(|r| r.as_str() == s.trim()).ok_or_else(|| {
            crate::Msg::new(
                "BAD_ROLE",
                format!("未知角色“{s}”，应为 admin、supervisor、unit、commander、analyst、auditor 之一"),
                format!(
                    "unknown role '{s}': expected one of admin, supervisor, unit, commander, analyst, auditor"
                ),
            )
        })
    }
}
