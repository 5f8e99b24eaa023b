//! Placeholder until the windower module lands; replaced, not extended.
