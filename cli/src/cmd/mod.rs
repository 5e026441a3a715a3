//! One file per subcommand.

pub mod live;
pub mod scan;
