//! One module per subcommand, plus helpers they share.
pub mod analyze;
pub mod common;
pub mod demo;
pub mod replay;
