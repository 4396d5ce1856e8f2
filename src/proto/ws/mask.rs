//! XOR masking (RFC 6455 §5.3). Payloads can be large, so the bulk path works 8 bytes at a time.

/// The mask key rotated so that its first byte applies to payload byte `pos`.
fn rotated(key: [u8; 4], pos: u64) -> [u8; 4] {
    // pos % 4 < 4, so the cast cannot truncate and the indexes stay in 0..4.
    let r = (pos % 4) as usize;
    [key[r], key[(r + 1) % 4], key[(r + 2) % 4], key[(r + 3) % 4]]
}

/// `dst[i] = src[i] ^ key[(pos + i) % 4]` for `i < min(src.len(), dst.len())`, where `pos` is
/// the payload position of `src[0]`.
pub(crate) fn unmask_into(src: &[u8], key: [u8; 4], pos: u64, dst: &mut [u8]) {
    let k = rotated(key, pos);
    let k8 = u64::from_ne_bytes([k[0], k[1], k[2], k[3], k[0], k[1], k[2], k[3]]);
    let n = src.len().min(dst.len());
    let (src, dst) = (&src[..n], &mut dst[..n]);
    let mut s8 = src.chunks_exact(8);
    let mut d8 = dst.chunks_exact_mut(8);
    for (d, s) in (&mut d8).zip(&mut s8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(s);
        d.copy_from_slice(&(u64::from_ne_bytes(w) ^ k8).to_ne_bytes());
    }
    // Chunks of 8 keep the key phase, so the tail starts at k[0] again.
    for (i, (d, s)) in d8
        .into_remainder()
        .iter_mut()
        .zip(s8.remainder())
        .enumerate()
    {
        *d = s ^ k[i % 4];
    }
}

/// Appends `src` unmasked to `dst`.
pub(super) fn unmask_extend(src: &[u8], key: Option<[u8; 4]>, pos: u64, dst: &mut Vec<u8>) {
    match key {
        None => dst.extend_from_slice(src),
        Some(key) => {
            let start = dst.len();
            dst.resize(start + src.len(), 0);
            if let Some(tail) = dst.get_mut(start..) {
                unmask_into(src, key, pos, tail);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(src: &[u8], key: [u8; 4], pos: u64) -> Vec<u8> {
        src.iter()
            .enumerate()
            .map(|(i, b)| b ^ key[((pos + i as u64) % 4) as usize])
            .collect()
    }

    #[test]
    fn matches_bytewise_xor_at_every_phase_and_length() {
        let key = [0x37, 0xfa, 0x21, 0x3d];
        let src: Vec<u8> = (0..=40u8).map(|b| b.wrapping_mul(73)).collect();
        for pos in 0..8 {
            for len in 0..src.len() {
                let mut out = vec![0; len];
                unmask_into(&src[..len], key, pos, &mut out);
                assert_eq!(out, naive(&src[..len], key, pos), "pos {pos} len {len}");
            }
        }
    }

    #[test]
    fn rfc6455_masked_hello() {
        let mut out = Vec::new();
        unmask_extend(
            &[0x7f, 0x9f, 0x4d, 0x51, 0x58],
            Some([0x37, 0xfa, 0x21, 0x3d]),
            0,
            &mut out,
        );
        assert_eq!(out, b"Hello");
    }
}
