//! Placeholder until the process module lands; replaced, not extended.
