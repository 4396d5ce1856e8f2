//! Vectors of RFC 8448 §3 ("Simple 1-RTT Handshake") and the TLS 1.2 PRF's published one.

use super::*;

fn h(text: &str) -> Vec<u8> {
    let digits: String = text.split_whitespace().collect();
    crate::proto::tls::keylog::unhex(&digits).expect("hex")
}

fn header(record: &[u8]) -> [u8; 5] {
    record[..5].try_into().unwrap()
}

const AES128: Suite = Suite {
    cipher: Cipher::Aes128Gcm,
    hash: Hash::Sha256,
    tls13: true,
};

#[test]
fn expand_label_gives_rfc_8448_server_handshake_key_and_iv() {
    let secret = h("b6 7b 7d 69 0c c1 6c 4e 75 e5 42 13 cb 2d 37 b4
                    e9 c9 12 bc de d9 10 5d 42 be fd 59 d3 91 ad 38");
    let key = expand_label(Hash::Sha256, &secret, b"key", 16).unwrap();
    let iv = expand_label(Hash::Sha256, &secret, b"iv", 12).unwrap();
    assert_eq!(key, h("3f ce 51 60 09 c2 17 27 d0 f2 e4 e8 6e e4 03 bc"));
    assert_eq!(iv, h("5d 31 3e b2 67 12 76 ee 13 00 0b 30"));
}

/// The client's Finished under its handshake traffic secret, as RFC 8448 §3 prints it.
#[test]
fn opens_rfc_8448_client_finished_record() {
    let secret = h("b3 ed db 12 6e 06 7f 35 a7 80 b3 ab f4 5e 2d 8f
                    3b 1a 95 07 38 f5 2e 96 00 74 6a 0e 27 a5 5a 21");
    let record = h("17 03 03 00 35 75 ec 4d c2 38 cc e6 0b 29 80 44
                    a7 1e 21 9c 56 cc 77 b0 51 7f e9 b9 3c 7a 4b fc
                    44 d8 7f 38 f8 03 38 ac 98 fc 46 de b3 84 bd 1c
                    ae ac ab 68 67 d7 26 c4 05 46");
    let mut c = RecordCipher::tls13(AES128, &secret).unwrap();
    let opened = c.open(&header(&record), &record[5..]).unwrap();
    assert_eq!(opened.inner, 22);
    assert_eq!(
        opened.plaintext,
        h(
            "14 00 00 20 a8 ec 43 6d 67 76 34 ae 52 5a c1 fc eb e1 1a 03 9e c1 76 94 fa c6 e9 85
           27 b6 42 f2 ed d5 ce 61"
        )
    );
    // The next record is sequence 1: the same bytes again no longer open.
    let err = c.open(&header(&record), &record[5..]).unwrap_err();
    assert!(err.contains("wrong keys"), "{err}");
}

/// 50 bytes (00 01 .. 31) of application data, the client's first under its traffic secret _0.
#[test]
fn opens_rfc_8448_client_application_data() {
    let secret = h("9e 40 64 6c e7 9a 7f 9d c0 5a f8 88 9b ce 65 52
                    87 5a fa 0b 06 df 00 87 f7 92 eb b7 c1 75 04 a5");
    let record = h("17 03 03 00 43 a2 3f 70 54 b6 2c 94 d0 af fa fe
                    82 28 ba 55 cb ef ac ea 42 f9 14 aa 66 bc ab 3f
                    2b 98 19 a8 a5 b4 6b 39 5b d5 4a 9a 20 44 1e 2b
                    62 97 4e 1f 5a 62 92 a2 97 70 14 bd 1e 3d ea e6
                    3a ee bb 21 69 49 15 e4");
    let mut c = RecordCipher::tls13(AES128, &secret).unwrap();
    let opened = c.open(&header(&record), &record[5..]).unwrap();
    assert_eq!(opened.inner, 23);
    assert_eq!(opened.plaintext, (0u8..50).collect::<Vec<_>>());
    // A wrong secret: a clear refusal, no panic.
    let mut wrong = RecordCipher::tls13(AES128, &[1; 32]).unwrap();
    assert!(wrong.open(&header(&record), &record[5..]).is_err());
    // Too short for a tag.
    assert!(wrong.open(&header(&record), &record[5..10]).is_err());
}

#[test]
fn prf_sha256_gives_the_published_vector() {
    let out = prf(
        Hash::Sha256,
        &h("9b be 43 6b a9 40 f0 17 b1 76 52 84 9a 71 db 35"),
        b"test label",
        &h("a0 ba 9f 93 6c da 31 18 27 a6 f7 96 ff d5 19 8c"),
        100,
    );
    let want = h(
        "e3 f2 29 ba 72 7b e1 7b 8d 12 26 20 55 7c d4 53 c2 aa b2 1d 07 c3 d4 95 32 9b
                  52 d4 e6 1e db 5a 6b 30 17 91 e9 0d 35 c9 c9 a4 6b 4e 14 ba f9 af 0f a0 22 f7
                  07 7d ef 17 ab fd 37 97 c0 56 4b ab 4f bc 91 66 6e 9d ef 9b 97 fc e3 4f 79 67
                  89 ba a4 80 82 d1 22 ee 42 c5 a7 2e 5a 51 10 ff f7 01 87 34 7b 66",
    );
    assert_eq!(out, want);
}

/// TLS 1.2 records sealed as RFC 5288 / RFC 7905 say (nonce, AAD), opened by `RecordCipher`.
#[test]
fn tls12_gcm_and_chacha_records_open_in_sequence() {
    for id in [0xc02f, 0xc030, 0xcca8] {
        let s = suite(id).unwrap();
        let (cr, sr, master) = ([1; 32], [2; 32], [3; 48]);
        let (k, i) = (s.cipher.key_len(), s.cipher.tls12_iv_len());
        let block = prf(
            s.hash,
            &master,
            b"key expansion",
            &[sr, cr].concat(),
            2 * (k + i),
        );
        let (key, iv) = (&block[k..2 * k], &block[2 * k + i..]);
        let mut opener = RecordCipher::tls12(s, &master, &cr, &sr, false).unwrap();
        for seq in 0u64..3 {
            let plain = format!("record {seq}").into_bytes();
            let mut aad = seq.to_be_bytes().to_vec();
            aad.extend([23, 3, 3]);
            aad.extend((plain.len() as u16).to_be_bytes());
            let payload = Payload {
                msg: &plain,
                aad: &aad,
            };
            let (prefix, sealed) = match s.cipher {
                Cipher::ChaCha20Poly1305 => {
                    let mut nonce: [u8; 12] = iv.try_into().unwrap();
                    for (n, b) in nonce[4..].iter_mut().zip(seq.to_be_bytes()) {
                        *n ^= b;
                    }
                    let a = ChaCha20Poly1305::new_from_slice(key).unwrap();
                    (vec![], a.encrypt((&nonce).into(), payload).unwrap())
                }
                _ => {
                    let explicit = (seq + 100).to_be_bytes();
                    let nonce = [iv, &explicit].concat();
                    let n: &[u8; 12] = nonce.as_slice().try_into().unwrap();
                    let sealed = if k == 16 {
                        Aes128Gcm::new_from_slice(key)
                            .unwrap()
                            .encrypt(n.into(), payload)
                    } else {
                        Aes256Gcm::new_from_slice(key)
                            .unwrap()
                            .encrypt(n.into(), payload)
                    };
                    (explicit.to_vec(), sealed.unwrap())
                }
            };
            let fragment = [prefix, sealed].concat();
            let len = (fragment.len() as u16).to_be_bytes();
            let opened = opener.open(&[23, 3, 3, len[0], len[1]], &fragment).unwrap();
            assert_eq!(opened.plaintext, plain, "suite {id:04x} seq {seq}");
            assert_eq!(opened.inner, 23);
        }
    }
}
