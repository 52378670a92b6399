//! The lake: dataset schemas and the import of CSV, XLSX and JSON files into versioned Parquet.
//!
//! An import is two steps so that nothing half-lands: [`Lake::prepare`] reads and validates
//! every file (writing nothing) and returns either every error, row- and column-precise, or a
//! [`Prepared`] import; [`Lake::commit`] then writes the Parquet files and swaps the dataset's
//! manifest in one atomic rename. Callers may check more (registry references) and write
//! elsewhere (the store) between the two.

mod batch;
mod cell;
pub mod colmap;
mod error;
mod grid;
mod read;
pub mod rowhash;
pub mod schema;

pub use batch::{
    BatchInfo, CommitReport, Lake, Manifest, Prepared, PreparedFile, Snapshot, schema_of,
};
pub use colmap::ColumnMap;
pub use error::{CellError, ImportError};
pub use read::{Encoding, ReadOptions};
pub use schema::{Catalogue, ColType, Column, DatasetSchema};

/// Validates the bytes of one file (named `file`, whose extension picks the reader) exactly as
/// an import would, and returns the typed batches without writing anything. Indicator fixtures
/// use this so that their small tables follow the same rules as real imports.
pub fn parse_bytes(
    schema: &DatasetSchema,
    file: &str,
    bytes: &[u8],
) -> Result<Vec<arrow_array::RecordBatch>, ImportError> {
    read::parse(schema, file, bytes, &ReadOptions::default(), &|_| {}).map(|p| p.batches)
}
