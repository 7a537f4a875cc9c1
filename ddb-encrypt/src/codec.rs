//! Bounded reading and length-prefixed writing of the binary encodings (the `LV` of the specs).
#![warn(clippy::indexing_slicing, clippy::cast_possible_truncation)]

/// The input ended early, a length is out of bounds, or there is trailing data. Deliberately
/// carries nothing: every caller maps it to the error its context calls for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DecodeError;

/// A cursor over a byte slice that never reads past its end.
#[derive(Debug)]
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self { rest: bytes }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if n > self.rest.len() {
            return Err(DecodeError);
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    pub(crate) fn u8(&mut self) -> Result<u8, DecodeError> {
        let (&first, tail) = self.rest.split_first().ok_or(DecodeError)?;
        self.rest = tail;
        Ok(first)
    }

    pub(crate) fn u16(&mut self) -> Result<u16, DecodeError> {
        let bytes: [u8; 2] = self.take(2)?.try_into().map_err(|_| DecodeError)?;
        Ok(u16::from_be_bytes(bytes))
    }

    /// A `u16be` length followed by that many bytes.
    pub(crate) fn lv16(&mut self) -> Result<&'a [u8], DecodeError> {
        let len = usize::from(self.u16()?);
        self.take(len)
    }

    /// The bytes not read yet.
    pub(crate) fn rest(&self) -> &'a [u8] {
        self.rest
    }

    pub(crate) fn u32(&mut self) -> Result<u32, DecodeError> {
        let bytes: [u8; 4] = self.take(4)?.try_into().map_err(|_| DecodeError)?;
        Ok(u32::from_be_bytes(bytes))
    }

    /// A `u32be` length followed by that many bytes.
    pub(crate) fn lv(&mut self) -> Result<&'a [u8], DecodeError> {
        let len = usize::try_from(self.u32()?).map_err(|_| DecodeError)?;
        self.take(len)
    }

    /// A `u32be` element count, capped by what the remaining input could hold when each element
    /// takes at least `min_element_len` bytes, so that a forged count cannot make a caller
    /// reserve memory the input does not back.
    pub(crate) fn count(&mut self, min_element_len: usize) -> Result<usize, DecodeError> {
        let count = usize::try_from(self.u32()?).map_err(|_| DecodeError)?;
        if count > self.rest.len() / min_element_len.max(1) {
            return Err(DecodeError);
        }
        Ok(count)
    }

    pub(crate) fn finish(self) -> Result<(), DecodeError> {
        if self.rest.is_empty() { Ok(()) } else { Err(DecodeError) }
    }
}

/// The value was longer than a `u32` length prefix can describe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TooLong;

pub(crate) fn put_u32(out: &mut Vec<u8>, n: usize) -> Result<(), TooLong> {
    let n = u32::try_from(n).map_err(|_| TooLong)?;
    out.extend_from_slice(&n.to_be_bytes());
    Ok(())
}

/// Appends `u16be(len) || bytes`.
pub(crate) fn put_lv16(out: &mut Vec<u8>, bytes: &[u8]) -> Result<(), TooLong> {
    let n = u16::try_from(bytes.len()).map_err(|_| TooLong)?;
    out.extend_from_slice(&n.to_be_bytes());
    out.extend_from_slice(bytes);
    Ok(())
}

/// Appends `LV(bytes)`.
pub(crate) fn put_lv(out: &mut Vec<u8>, bytes: &[u8]) -> Result<(), TooLong> {
    put_u32(out, bytes.len())?;
    out.extend_from_slice(bytes);
    Ok(())
}
