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
        let found = buf[..n].iter().filter(|b| **b == b'"').count() as u64;
        self.quotes.set(self.quotes.get() + found);
        Ok(n)
    }
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
