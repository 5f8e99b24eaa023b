//! For tests only: a tiny deterministic generator of operation sequences (xorshift64), so a
//! model test's random operations repeat exactly and do not depend on the engine's own RNG.

pub struct Ops(pub u64);

impl Ops {
    /// The next number below `below` (a seed of 0 would stay 0: use any other).
    pub fn next(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below
    }
}
