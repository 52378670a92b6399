//! The store's integration tests, one binary: each module runs its suite on SQLite and on the
//! real PostgreSQL (`QINGLIAN_TEST_PG`; skipped without it unless `CI` is set).

mod cockpit;
mod hits;
mod ledger;
mod letters;
mod registry;
mod reports;
mod workflow;

use qinglian_core::{DivisionCode, Role};
use qinglian_store::{NewUser, Principal, Store};

/// A user created through the ledger at a fixed time, as the principal the store's calls take.
async fn user(
    store: &Store,
    ledger: &qinglian_store::ledger::Ledger,
    name: &str,
    role: Role,
    divs: &[&str],
    units: &[&str],
) -> Principal {
    let u = store
        .create_user(
            ledger,
            &NewUser {
                username: name.into(),
                display_name: name.into(),
                password: "correct horse".into(),
                role,
                divisions: divs
                    .iter()
                    .map(|d| DivisionCode::parse(d).unwrap())
                    .collect(),
                units: units.iter().map(|u| (*u).to_owned()).collect(),
            },
            1_780_000_000,
        )
        .await
        .unwrap();
    store.principal(&u).await.unwrap()
}
