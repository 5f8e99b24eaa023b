//! Placeholder until the window module lands; replaced, not extended.
