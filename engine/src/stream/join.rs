//! A join pairs records from two inputs by key. Two unbounded streams can only be joined
//! within a bound, here a shared event-time window, so that state can be dropped once the
//! watermark has passed it; a stream joined with a table (a changelog folded to its latest
//! value per key) needs no bound, only the table's current contents.

mod table;
mod window_join;

pub use table::{Enriched, JoinKind, StreamTableJoin, Table, TableRow, TABLE_ROW_BYTES};
pub use window_join::{JoinSide, JoinedPair, LateRecord, WindowJoin, WINDOW_SIZE_US_MAX};

/// Serialized size of one `StreamRecord` as a state backend would hold it: id, key, event
/// time and value (8 bytes each) and the tag (4).
pub const RECORD_BYTES: usize = 36;
