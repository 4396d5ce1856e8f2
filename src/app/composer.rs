//! The frame composer's form: every field of a WebSocket frame as the learner sets it, turned
//! into the `FrameSpec`s of `proto::ws::build` (what RFC 6455 forbids included).

use crate::proto::ws::build::{self, FrameSpec, LenForm, Preset};

/// The form's lines, top to bottom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Preset,
    Fin,
    Rsv1,
    Rsv2,
    Rsv3,
    Opcode,
    Mask,
    Key,
    Length,
    PayloadForm,
    Payload,
    Fragments,
    PingBetween,
    CloseCode,
    Reason,
}

impl Field {
    pub const ALL: [Field; 15] = [
        Field::Preset,
        Field::Fin,
        Field::Rsv1,
        Field::Rsv2,
        Field::Rsv3,
        Field::Opcode,
        Field::Mask,
        Field::Key,
        Field::Length,
        Field::PayloadForm,
        Field::Payload,
        Field::Fragments,
        Field::PingBetween,
        Field::CloseCode,
        Field::Reason,
    ];

    /// The catalog key of its label.
    pub fn label(self) -> &'static str {
        match self {
            Field::Preset => "composer.field.preset",
            Field::Fin => "composer.field.fin",
            Field::Rsv1 => "composer.field.rsv1",
            Field::Rsv2 => "composer.field.rsv2",
            Field::Rsv3 => "composer.field.rsv3",
            Field::Opcode => "composer.field.opcode",
            Field::Mask => "composer.field.mask",
            Field::Key => "composer.field.key",
            Field::Length => "composer.field.length",
            Field::PayloadForm => "composer.field.payload_form",
            Field::Payload => "composer.field.payload",
            Field::Fragments => "composer.field.fragments",
            Field::PingBetween => "composer.field.ping_between",
            Field::CloseCode => "composer.field.close_code",
            Field::Reason => "composer.field.reason",
        }
    }

    /// ←/→ change it (a typed length or count steps too).
    fn cycles(self) -> bool {
        !self.typed() || matches!(self, Field::Length | Field::Fragments)
    }

    /// Set by typing a line (Enter starts it), not by cycling.
    fn typed(self) -> bool {
        matches!(
            self,
            Field::Key
                | Field::Length
                | Field::Payload
                | Field::Fragments
                | Field::CloseCode
                | Field::Reason
        )
    }
}

/// How the length is written; `n` beside it in the form is what the header announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LenMode {
    Auto,
    Seven,
    Sixteen,
    SixtyFour,
}

/// What a key asks of the composer's owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    Stay,
    Send,
    Leave,
}

/// The ping a learner may put between the first two fragments (what the preset sends).
pub const PING_BETWEEN: &[u8] = b"between";
/// Fragments at most: each is drawn, and a screen holds a few.
pub const MAX_FRAGMENTS: usize = 8;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    pub field: Field,
    pub preset: Option<Preset>,
    pub fin: bool,
    /// RSV1 = 4, RSV2 = 2, RSV3 = 1.
    pub rsv: u8,
    pub opcode: u8,
    pub mask: bool,
    pub key: [u8; 4],
    pub len_mode: LenMode,
    /// The announced length when `len_mode` is not `Auto`.
    pub len_n: u64,
    /// The payload is typed as hex digits, not text.
    pub hex: bool,
    /// As typed: text, or hex digits when `hex`.
    pub payload: String,
    pub fragments: usize,
    pub ping_between: bool,
    /// With opcode 8: the close payload is this code and the reason.
    pub close_code: Option<u16>,
    pub reason: String,
    /// The line being typed into the selected field.
    pub editing: Option<String>,
    /// Why the last typed line was refused.
    pub problem: Option<String>,
    /// Lines the drawing of the frames is scrolled by.
    pub scroll: u16,
    /// The drawn payload unmasked (`m`, as in the inspector).
    pub unmask: bool,
}

impl Default for Form {
    fn default() -> Self {
        Form {
            field: Field::Preset,
            preset: None,
            fin: true,
            rsv: 0,
            opcode: 1,
            mask: true,
            key: build::random_key(),
            len_mode: LenMode::Auto,
            len_n: 0,
            hex: false,
            payload: "hello".into(),
            fragments: 1,
            ping_between: false,
            close_code: None,
            reason: String::new(),
            editing: None,
            problem: None,
            scroll: 0,
            unmask: false,
        }
    }
}

/// Bytes as hex pairs with spaces (`6f 6b c3 28`).
pub fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

impl Form {
    /// The form set as `p` sends it: fields read back from the preset's own frames.
    pub fn from_preset(p: Preset) -> Form {
        let mut f = Form {
            preset: Some(p),
            field: Field::Preset,
            ..Form::default()
        };
        f.load(&p.frames());
        f
    }

    /// The form filled from a frame of the ladder (its header's first byte and its payload),
    /// to edit and send again: as a client sends it, masked with a new random key.
    pub fn from_frame(byte0: u8, payload: &[u8]) -> Form {
        let spec = FrameSpec {
            fin: byte0 & 0x80 != 0,
            rsv: (byte0 >> 4) & 7,
            ..FrameSpec::client(byte0 & 0x0f, payload)
        };
        let mut f = Form::default();
        f.load(&[spec]);
        f.field = Field::Payload;
        f
    }

    fn load(&mut self, frames: &[FrameSpec]) {
        let Some(first) = frames.first() else {
            return;
        };
        // A ping between the first two fragments of a data message.
        let between = frames.len() >= 3 && frames[1].opcode == 9 && first.opcode != 9;
        let data: Vec<&FrameSpec> = frames
            .iter()
            .enumerate()
            .filter(|(i, _)| !(between && *i == 1))
            .map(|(_, f)| f)
            .collect();
        let payload: Vec<u8> = data.iter().flat_map(|f| f.payload.clone()).collect();
        self.fin = data.last().is_some_and(|f| f.fin);
        self.rsv = first.rsv;
        self.opcode = first.opcode;
        self.mask = first.mask.is_some();
        if let Some(k) = first.mask {
            self.key = k;
        }
        (self.len_mode, self.len_n) = match first.len {
            LenForm::Auto => (LenMode::Auto, 0),
            LenForm::Seven(n) => (LenMode::Seven, u64::from(n)),
            LenForm::Sixteen(n) => (LenMode::Sixteen, u64::from(n)),
            LenForm::SixtyFour(n) => (LenMode::SixtyFour, n),
        };
        self.fragments = data.len();
        self.ping_between = between;
        self.close_code = None;
        self.reason.clear();
        if first.opcode == 8 && payload.len() >= 2 {
            self.close_code = Some(u16::from_be_bytes([payload[0], payload[1]]));
            self.reason = String::from_utf8_lossy(&payload[2..]).into_owned();
            self.payload.clear();
            self.hex = false;
            return;
        }
        match String::from_utf8(payload) {
            Ok(s) if !s.chars().any(char::is_control) => {
                self.hex = false;
                self.payload = s;
            }
            Ok(s) => self.set_hex(s.as_bytes()),
            Err(e) => self.set_hex(e.as_bytes()),
        }
    }

    pub(super) fn set_hex(&mut self, bytes: &[u8]) {
        self.hex = true;
        self.payload = hex(bytes);
    }

    /// The payload's bytes as typed; an error names what is wrong.
    pub fn payload_bytes(&self) -> Result<Vec<u8>, String> {
        if self.close_fields_apply() {
            let code = self.close_code;
            return Ok(build::close_payload(code, self.reason.as_bytes()));
        }
        if !self.hex {
            return Ok(self.payload.clone().into_bytes());
        }
        build::parse_hex(&self.payload).ok_or_else(|| crate::tr!("composer.bad_hex"))
    }

    /// The close code and reason make the payload (opcode 8 and a code set).
    pub fn close_fields_apply(&self) -> bool {
        self.opcode == 8 && self.close_code.is_some()
    }

    pub fn len_form(&self) -> LenForm {
        match self.len_mode {
            LenMode::Auto => LenForm::Auto,
            LenMode::Seven => LenForm::Seven(self.len_n.min(125) as u8),
            LenMode::Sixteen => LenForm::Sixteen(self.len_n.min(0xffff) as u16),
            LenMode::SixtyFour => LenForm::SixtyFour(self.len_n),
        }
    }

    /// The frames as they will go: the payload in `fragments` pieces (RSV bits and the length
    /// form on the first, FIN as set on the last), the ping after the first when asked for.
    pub fn specs(&self) -> Result<Vec<FrameSpec>, String> {
        let data = self.payload_bytes()?;
        let key = self.mask.then_some(self.key);
        let n = self.fragments.clamp(1, MAX_FRAGMENTS);
        let mut frames = build::fragments(self.opcode, &data, n, false);
        for f in &mut frames {
            f.mask = key;
        }
        frames[0].rsv = self.rsv;
        frames[0].len = self.len_form();
        if let Some(last) = frames.last_mut() {
            last.fin = self.fin;
        }
        if self.ping_between && n >= 2 {
            let ping = FrameSpec {
                mask: key,
                ..FrameSpec::new(9, PING_BETWEEN)
            };
            frames.insert(1, ping);
        }
        Ok(frames)
    }

    /// The bytes on the wire, every frame one after the other.
    pub fn bytes(&self) -> Result<Vec<u8>, String> {
        Ok(self.specs()?.iter().flat_map(FrameSpec::encode).collect())
    }

    /// Any change by hand: the form no longer is the preset.
    pub(super) fn touched(&mut self) {
        self.preset = None;
    }
}

#[path = "composer_edit.rs"]
mod edit;

#[cfg(test)]
#[path = "composer_tests.rs"]
mod tests;
