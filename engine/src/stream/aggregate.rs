//! Placeholder until the aggregate module lands; replaced, not extended.
