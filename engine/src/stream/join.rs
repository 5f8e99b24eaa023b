//! Placeholder until the join module lands; replaced, not extended.
