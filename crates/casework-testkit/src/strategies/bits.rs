//! Choices taken from one drawn number: each `below(n)` takes the number modulo `n` and
//! divides it by `n`, so one `u64` answers several small questions. A number shrunk
//! towards 0 answers every question with its first option.

/// The rest of a drawn number.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bits(u64);

impl Bits {
    pub(crate) fn new(drawn: u64) -> Self {
        Bits(drawn)
    }

    /// A number below `n` (0 for `n` of 0).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        let n = n.max(1) as u64;
        let r = self.0 % n;
        self.0 /= n;
        r as usize
    }

    /// True with a chance of `per_mille` in 1000.
    pub(crate) fn chance(&mut self, per_mille: u32) -> bool {
        (self.below(1000) as u32) < per_mille
    }

    /// The index of a weight, chosen in proportion to the weights.
    pub(crate) fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut x = self.below(total as usize) as u32;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len().saturating_sub(1)
    }
}
