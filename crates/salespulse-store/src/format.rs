//! The snapshot format: a fixed header, the shard state, a checksum.
//!
//! ```text
//! magic "SPSNAPSH" | version u16 | reserved u16 | next offset i64 | payload length u64
//! | payload (postcard encoding of the shard) | CRC-32 of everything before it (u32)
//! ```
//! All integers are little-endian. A file that is short, has another magic, a version
//! this build does not read, or fails its checksum is refused with a typed error;
//! nothing is guessed.

use salespulse_engine::{EngineConfig, Shard};

use crate::error::SnapshotError;

const MAGIC: &[u8; 8] = b"SPSNAPSH";
/// The version this build writes. Bump it when the shard's layout changes, and keep
/// reading the versions before it.
///
/// - 1: sums of the aggregates as `f64`;
/// - 2: sums as exact nano-units (`salespulse_engine::fixed`); a version 1 snapshot is read
///   by rounding each sum to the nearest nano-unit.
/// - 3: a deal's deletion is the time of its newest `deal.deleted` beside that of its
///   newest `deal.created` (a creation after a deletion restores the deal); a deal
///   deleted in a version 1 or 2 snapshot stays deleted.
pub const VERSION: u16 = 3;
/// The oldest version this build reads.
pub const OLDEST_READ: u16 = 1;
const HEADER: usize = 8 + 2 + 2 + 8 + 8;

/// Encodes a shard and the next offset to read after it.
pub fn encode(shard: &Shard, next_offset: i64) -> Result<Vec<u8>, SnapshotError> {
    let payload = postcard::to_stdvec(shard).map_err(|e| SnapshotError::Encode(e.to_string()))?;
    let mut out = Vec::with_capacity(HEADER + payload.len() + 4);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&next_offset.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&payload);
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    Ok(out)
}

fn le<const N: usize>(b: &[u8], at: usize) -> [u8; N] {
    let mut a = [0u8; N];
    a.copy_from_slice(&b[at..at + N]);
    a
}

/// Decodes a snapshot: the shard (with `cfg` applied) and the next offset to read.
pub fn decode(bytes: &[u8], cfg: EngineConfig) -> Result<(Shard, i64), SnapshotError> {
    if bytes.len() < HEADER + 4 {
        return Err(SnapshotError::Truncated { len: bytes.len() });
    }
    if &bytes[..8] != MAGIC {
        return Err(SnapshotError::NotASnapshot);
    }
    let version = u16::from_le_bytes(le(bytes, 8));
    if !(OLDEST_READ..=VERSION).contains(&version) {
        return Err(SnapshotError::Incompatible { found: version, oldest: OLDEST_READ, newest: VERSION });
    }
    let next_offset = i64::from_le_bytes(le(bytes, 12));
    let len = u64::from_le_bytes(le(bytes, 20)) as usize;
    if bytes.len() != HEADER + len + 4 {
        return Err(SnapshotError::Truncated { len: bytes.len() });
    }
    let stored = u32::from_le_bytes(le(bytes, HEADER + len));
    if crc32fast::hash(&bytes[..HEADER + len]) != stored {
        return Err(SnapshotError::Checksum);
    }
    let payload = &bytes[HEADER..HEADER + len];
    let shard = salespulse_engine::legacy::reading(version, || postcard::from_bytes::<Shard>(payload));
    let shard = shard.map_err(|e| SnapshotError::Decode(e.to_string()))?;
    Ok((shard.restored(cfg), next_offset))
}
