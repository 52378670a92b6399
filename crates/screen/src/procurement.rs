//! Who each procurement process belongs to, for the per-buyer and per-supplier risk scores
//! (`qinglian ocds risk`): the scores divide flagged processes by all of an organisation's
//! processes, so the denominators come from the lake, not from the hits.

use crate::engine::Engine;
use crate::error::Result;
use datafusion::arrow::array::{Array, AsArray};
use serde::Serialize;

/// The side of a process an organisation is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Buyer,
    Supplier,
}

/// One organisation taking part in one process (a process has one buyer and any number of
/// suppliers).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ProcessParty {
    pub ocid: String,
    pub role: Role,
    pub org_id: String,
    pub org_name: Option<String>,
}

/// The buyer of every process (the buyer, or the procuring entity when the publisher names no
/// buyer, as the PR-* indicators do) and the suppliers of its active awards. Cancelled
/// processes are left out, as every PR-* indicator leaves them out.
pub async fn process_parties(engine: &Engine, role: Role) -> Result<Vec<ProcessParty>> {
    for d in ["ocds_processes", "ocds_awards", "ocds_suppliers"] {
        if !engine.has(d) {
            return Ok(vec![]);
        }
    }
    let sql = match role {
        Role::Buyer => {
            "SELECT DISTINCT ocid, COALESCE(buyer_id, procuring_entity_id) AS org_id,
                    COALESCE(buyer_name, procuring_entity_name) AS org_name
             FROM ocds_processes
             WHERE ocid IS NOT NULL AND COALESCE(buyer_id, procuring_entity_id) IS NOT NULL
               AND (tender_status IS NULL OR tender_status <> 'cancelled')"
        }
        Role::Supplier => {
            "SELECT DISTINCT p.ocid, s.supplier_id AS org_id, s.supplier_name AS org_name
             FROM ocds_suppliers s
             JOIN ocds_awards a ON a.import = s.import AND a.line = s.line
                               AND a.award_index = s.award_index
             JOIN ocds_processes p ON p.import = s.import AND p.line = s.line
             WHERE a.status = 'active' AND s.supplier_id IS NOT NULL AND p.ocid IS NOT NULL
               AND (p.tender_status IS NULL OR p.tender_status <> 'cancelled')"
        }
    };
    let mut out = Vec::new();
    for b in engine.query_internal(sql).await? {
        let ocid = b.column(0).as_string::<i32>();
        let id = b.column(1).as_string::<i32>();
        let name = b.column(2).as_string::<i32>();
        for i in 0..b.num_rows() {
            out.push(ProcessParty {
                ocid: ocid.value(i).to_owned(),
                role,
                org_id: id.value(i).to_owned(),
                org_name: (!name.is_null(i)).then(|| name.value(i).to_owned()),
            });
        }
    }
    out.sort();
    // One name per organisation and process (DISTINCT keeps spelling variants apart).
    out.dedup_by(|a, b| a.ocid == b.ocid && a.org_id == b.org_id);
    Ok(out)
}
