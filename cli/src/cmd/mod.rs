//! One module per subcommand, plus helpers they share.
pub mod analyze;
pub mod common;
pub mod db;
pub mod delete;
pub mod demo;
pub mod evaluate;
pub mod export;
pub mod import;
pub mod live;
pub mod model;
pub mod record;
pub mod replay;
pub mod scan;
pub mod shifts;
pub mod summary;
pub mod trend;
