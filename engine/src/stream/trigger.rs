//! Placeholder until the trigger module lands; replaced, not extended.
