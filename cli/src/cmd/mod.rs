//! One module per subcommand.
pub mod db;
pub mod delete;
pub mod export;
pub mod shifts;
pub mod summary;
