//! Placeholder until the watermark module lands; replaced, not extended.
