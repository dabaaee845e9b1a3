//! Reading CSV input strictly. The csv crate ends a quoted field at the end
//! of the input without complaint, so a file whose last quoted field never
//! closes would be read as if it were whole; counting the quotes that pass
//! through catches it (quotes come in pairs in any well-formed file).

use crate::error::InputError;
use std::cell::Cell;
use std::io::Read;
use std::rc::Rc;

/// A reader that counts the `"` bytes passing through it.
pub struct QuoteCounter<R> {
    inner: R,
    quotes: Rc<Cell<u64>>,
}

/// The count, kept by the caller while the reader is inside a csv reader.
#[derive(Clone)]
pub struct Quotes(Rc<Cell<u64>>);

/// Wraps `inner`; check [`Quotes::balanced`] once the input is read.
pub fn counting<R: Read>(inner: R) -> (QuoteCounter<R>, Quotes) {
    let quotes = Rc::new(Cell::new(0));
    let reader = QuoteCounter {
        inner,
        quotes: quotes.clone(),
    };
    (reader, Quotes(quotes))
}

impl<R: Read> Read for QuoteCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.quotes.set(self.quotes.get() + count_quotes(&buf[..n]));
        Ok(n)
    }
}

/// The `"` bytes of `bytes`, counted 32 at a time into byte-wide lanes
/// (which the compiler turns into vector compares).
fn count_quotes(bytes: &[u8]) -> u64 {
    let mut total = 0;
    // A lane counts at most 255 before it is added up.
    for block in bytes.chunks(255 * 32) {
        let mut lanes = [0u8; 32];
        let mut chunks = block.chunks_exact(32);
        for chunk in &mut chunks {
            let chunk: &[u8; 32] = chunk.try_into().expect("32 bytes");
            for (lane, b) in lanes.iter_mut().zip(chunk) {
                *lane += u8::from(*b == b'"');
            }
        }
        total += lanes.iter().map(|n| u64::from(*n)).sum::<u64>();
        total += chunks.remainder().iter().filter(|b| **b == b'"').count() as u64;
    }
    total
}

impl Quotes {
    /// An error naming `line` (where the last record began) when a quoted
    /// field was left open.
    pub fn balanced(&self, source: &str, line: u64) -> Result<(), InputError> {
        if self.0.get().is_multiple_of(2) {
            return Ok(());
        }
        Err(InputError::new(
            source,
            "a quoted field is never closed, expected a closing `\"`",
        )
        .at_line(line))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_are_counted_in_every_position() {
        let mut bytes = Vec::new();
        for i in 0..20_000u32 {
            bytes.push(if i % 3 == 0 || i % 7 == 0 { b'"' } else { b'a' });
        }
        for len in [0, 1, 31, 32, 33, 255 * 32, 255 * 32 + 1, bytes.len()] {
            let want = bytes[..len].iter().filter(|b| **b == b'"').count() as u64;
            assert_eq!(count_quotes(&bytes[..len]), want, "{len} bytes");
        }
        assert_eq!(count_quotes(&[b'"'; 20_000]), 20_000);
    }
}
