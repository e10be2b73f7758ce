//! A minimal protobuf writer: exactly the encoding `prost` produces for the OTLP messages
//! libpatter sends (fields in tag order, proto3 defaults skipped, `optional` fields and oneof
//! members written whenever set, repeated scalars packed). Nested messages are written into a
//! scratch buffer, then length-prefixed. Runs only on the export thread.

pub(crate) fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn key(out: &mut Vec<u8>, field: u32, wire: u32) {
    varint(out, ((field << 3) | wire) as u64);
}

/// A length-delimited field (string, bytes, message, packed repeated), always written.
pub(crate) fn bytes(out: &mut Vec<u8>, field: u32, b: &[u8]) {
    key(out, field, 2);
    varint(out, b.len() as u64);
    out.extend_from_slice(b);
}

/// A proto3 string or bytes field: skipped when empty.
pub(crate) fn opt_bytes(out: &mut Vec<u8>, field: u32, b: &[u8]) {
    if !b.is_empty() {
        bytes(out, field, b);
    }
}

/// A proto3 varint field (uint, int64 as two's complement, enum, bool): skipped when 0.
pub(crate) fn opt_varint(out: &mut Vec<u8>, field: u32, v: u64) {
    if v != 0 {
        key(out, field, 0);
        varint(out, v);
    }
}

/// A varint member of a oneof: always written.
pub(crate) fn varint_field(out: &mut Vec<u8>, field: u32, v: u64) {
    key(out, field, 0);
    varint(out, v);
}

/// A proto3 `fixed64` field: skipped when 0.
pub(crate) fn opt_fixed64(out: &mut Vec<u8>, field: u32, v: u64) {
    if v != 0 {
        key(out, field, 1);
        out.extend_from_slice(&v.to_le_bytes());
    }
}

/// A proto3 `fixed32` field: skipped when 0.
pub(crate) fn opt_fixed32(out: &mut Vec<u8>, field: u32, v: u32) {
    if v != 0 {
        key(out, field, 5);
        out.extend_from_slice(&v.to_le_bytes());
    }
}

/// A `double` that is set (`optional` or a oneof member): always written.
pub(crate) fn double(out: &mut Vec<u8>, field: u32, v: f64) {
    key(out, field, 1);
    out.extend_from_slice(&v.to_le_bytes());
}

/// A packed `repeated fixed64` (skipped when empty).
pub(crate) fn packed_fixed64(out: &mut Vec<u8>, field: u32, vs: &[u64]) {
    if vs.is_empty() {
        return;
    }
    key(out, field, 2);
    varint(out, 8 * vs.len() as u64);
    for v in vs {
        out.extend_from_slice(&v.to_le_bytes());
    }
}

/// A packed `repeated double` (skipped when empty).
pub(crate) fn packed_double(out: &mut Vec<u8>, field: u32, vs: &[f64]) {
    if vs.is_empty() {
        return;
    }
    key(out, field, 2);
    varint(out, 8 * vs.len() as u64);
    for v in vs {
        out.extend_from_slice(&v.to_le_bytes());
    }
}

/// An embedded message (written even when empty, as prost writes a set message field).
pub(crate) fn message(out: &mut Vec<u8>, field: u32, body: impl FnOnce(&mut Vec<u8>)) {
    let mut tmp = Vec::new();
    body(&mut tmp);
    bytes(out, field, &tmp);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_and_fixed() {
        let mut v = Vec::new();
        varint(&mut v, 300);
        assert_eq!(v, [0xac, 0x02]);
        v.clear();
        opt_varint(&mut v, 1, 0);
        opt_fixed64(&mut v, 2, 0);
        opt_bytes(&mut v, 3, b"");
        packed_double(&mut v, 4, &[]);
        assert!(v.is_empty(), "defaults are skipped");
        double(&mut v, 5, 0.0);
        assert_eq!(v.len(), 9, "a set double is written even when 0");
    }
}
