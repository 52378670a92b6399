//! Error types. Every message reads `中文 / English` so operators and auditors can quote it
//! verbatim; variants carry the numbers that locate the fault.

use thiserror::Error;

use crate::hash::{Hash, hash_to_hex};

/// A proof failed to verify, or its inputs were malformed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ProofError {
    #[error("哈希长度应为 32 字节，实际为 {len} 字节 / hash must be 32 bytes, got {len}")]
    HashLength { len: usize },
    #[error("哈希不是规范的 base64 / hash is not canonical base64")]
    HashBase64,
    #[error("叶索引 {index} 超出树大小 {size} / leaf index {index} is not below tree size {size}")]
    IndexOutOfRange { index: u64, size: u64 },
    #[error("证明长度应为 {expected}，实际为 {got} / proof must have {expected} hashes, got {got}")]
    WrongProofLength { expected: usize, got: usize },
    #[error("计算出的根 {} 与给定的根 {} 不符 / computed root {} does not match expected root {}",
        hash_to_hex(.computed), hash_to_hex(.expected), hash_to_hex(.computed), hash_to_hex(.expected))]
    RootMismatch { computed: Hash, expected: Hash },
    #[error(
        "旧树大小为 0，一致性证明无意义 / consistency from an empty tree is meaningless (old size 0)"
    )]
    ZeroOldSize,
    #[error("旧树大小 {old} 大于新树大小 {new} / old size {old} is greater than new size {new}")]
    OldSizeGreater { old: u64, new: u64 },
    #[error(
        "大小相同，证明应为空，实际有 {len} 个哈希 / equal sizes need an empty proof, got {len} hashes"
    )]
    EqualSizesNonEmptyProof { len: usize },
    #[error("大小相同但根不同：日志分叉 / equal sizes with different roots: the log forked")]
    EqualSizesDifferentRoots,
    #[error("一致性证明为空 / consistency proof is empty")]
    EmptyProof,
    #[error("旧根不符：计算值 {}，给定值 {} / old root mismatch: computed {}, expected {}",
        hash_to_hex(.computed), hash_to_hex(.expected), hash_to_hex(.computed), hash_to_hex(.expected))]
    OldRootMismatch { computed: Hash, expected: Hash },
    #[error("新根不符：计算值 {}，给定值 {} / new root mismatch: computed {}, expected {}",
        hash_to_hex(.computed), hash_to_hex(.expected), hash_to_hex(.computed), hash_to_hex(.expected))]
    NewRootMismatch { computed: Hash, expected: Hash },
}

/// A proof or root could not be produced from a node source.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TreeError {
    #[error("叶索引 {index} 超出树大小 {size} / leaf index {index} is not below tree size {size}")]
    IndexOutOfRange { index: u64, size: u64 },
    #[error(
        "无法在大小 {old} 与 {new} 之间生成一致性证明（需 0 < 旧 ≤ 新）/ no consistency proof between sizes {old} and {new} (need 0 < old ≤ new)"
    )]
    BadSizes { old: u64, new: u64 },
    #[error("缺少节点（层 {level}，序号 {index}）/ missing node at level {level}, index {index}")]
    MissingNode { level: u8, index: u64 },
    #[error(
        "叶 {index} 不在本批次中（批次起于 {first}）/ leaf {index} is not in this batch (which starts at {first})"
    )]
    NotInBatch { index: u64, first: u64 },
    #[error("节点存储出错：{0} / node source failed: {0}")]
    Source(String),
    #[error("边界状态长度 {len} 字节无效 / frontier encoding of {len} bytes is invalid")]
    FrontierEncoding { len: usize },
}

/// A checkpoint body is malformed, or its note did not open.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CheckpointError {
    #[error("检查点必须以换行结尾 / checkpoint must end with a newline")]
    MissingFinalNewline,
    #[error("检查点至少需要 3 行，实际 {got} 行 / checkpoint needs at least 3 lines, got {got}")]
    TooFewLines { got: usize },
    #[error("检查点来源（第 1 行）为空 / checkpoint origin (line 1) is empty")]
    EmptyOrigin,
    #[error("检查点第 {line} 行含控制字符 / checkpoint line {line} contains a control character")]
    ControlChar { line: usize },
    #[error("检查点第 {line} 行为空 / checkpoint line {line} is empty")]
    EmptyLine { line: usize },
    #[error(
        "树大小“{text}”不是无前导零的十进制数 / tree size {text:?} is not a decimal without leading zeros"
    )]
    BadSize { text: String },
    #[error("树大小 {size} 超过上限 2^63-1 / tree size {size} exceeds 2^63-1")]
    SizeTooLarge { size: u64 },
    #[error(
        "根哈希“{text}”不是 32 字节的规范 base64 / root {text:?} is not canonical base64 of 32 bytes"
    )]
    BadRoot { text: String },
    #[error(
        "检查点来源为“{got}”，应为“{expected}” / checkpoint origin is {got:?}, expected {expected:?}"
    )]
    OriginMismatch { expected: String, got: String },
    #[error("{0}")]
    Note(#[from] NoteError),
}

/// A signed note, a key or a signing request is malformed, or a signature does not verify.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NoteError {
    #[error(
        "签名文本在第 {offset} 字节处不是有效 UTF-8 / note is not valid UTF-8 at byte {offset}"
    )]
    NotUtf8 { offset: usize },
    #[error(
        "签名文本第 {line} 行含控制字符 U+{code:04X} / note line {line} contains control character U+{code:04X}"
    )]
    ControlChar { line: usize, code: u32 },
    #[error("签名文本必须以换行结尾 / note must end with a newline")]
    MissingFinalNewline,
    #[error(
        "签名文本缺少分隔正文与签名的空行 / note has no blank line between text and signatures"
    )]
    MissingBlankLine,
    #[error("签名文本没有签名行 / note has no signature lines")]
    NoSignatures,
    #[error(
        "签名行过多：{count} 行，上限 {max} / too many signature lines: {count}, at most {max}"
    )]
    TooManySignatures { count: usize, max: usize },
    #[error(
        "第 {line} 行不是签名行（应以“— ”开头）/ line {line} is not a signature line (must start with \"— \")"
    )]
    NotSignatureLine { line: usize },
    #[error("第 {line} 行的密钥名无效 / line {line} has an invalid key name")]
    SignatureKeyName { line: usize },
    #[error("第 {line} 行的签名不是规范 base64 / line {line}: signature is not canonical base64")]
    SignatureBase64 { line: usize },
    #[error("第 {line} 行的签名过短（{len} 字节）/ line {line}: signature too short ({len} bytes)")]
    SignatureTooShort { line: usize, len: usize },
    #[error(
        "密钥 {name}+{key_id:08x} 的签名重复出现 / duplicate signature by key {name}+{key_id:08x}"
    )]
    DuplicateSignature { name: String, key_id: u32 },
    #[error(
        "已知密钥 {name}+{key_id:08x} 的签名验证失败 / signature by known key {name}+{key_id:08x} does not verify"
    )]
    InvalidSignature { name: String, key_id: u32 },
    #[error("没有可验证的已知密钥签名 / note has no signature by a known key")]
    NoVerifiableSignature,
    #[error("待签文本为空 / text to sign is empty")]
    EmptyText,
    #[error("至少需要一个签名者 / at least one signer is required")]
    NoSigners,
    #[error(
        "密钥名“{name}”无效（不可为空，不可含空白或“+”）/ invalid key name {name:?} (must be non-empty, without spaces or '+')"
    )]
    InvalidKeyName { name: String },
    #[error("密钥文本格式错误：{what} / malformed key text: {what}")]
    KeyFormat { what: &'static str },
    #[error("密钥编号“{text}”不是 8 位十六进制 / key id {text:?} is not 8 hex digits")]
    KeyIdHex { text: String },
    #[error("密钥材料不是规范 base64 / key material is not canonical base64")]
    KeyBase64,
    #[error("不支持的签名类型 0x{ty:02x} / unsupported signature type 0x{ty:02x}")]
    UnsupportedKeyType { ty: u8 },
    #[error(
        "密钥长度应为 {expected} 字节，实际 {len} 字节 / key must be {expected} bytes, got {len}"
    )]
    KeyLength { len: usize, expected: usize },
    #[error(
        "密钥编号 {stated:08x} 与名称和公钥算得的 {computed:08x} 不符 / key id {stated:08x} does not match {computed:08x} computed from name and key"
    )]
    KeyIdMismatch { stated: u32, computed: u32 },
    #[error("公钥不是有效的 Ed25519 点 / public key is not a valid Ed25519 point")]
    InvalidPublicKey,
    #[error("时间戳 {timestamp} 超过 2^63-1 / timestamp {timestamp} exceeds 2^63-1")]
    TimestampTooLarge { timestamp: u64 },
}

/// A `c2sp.org/tlog-proof@v1` receipt is malformed or does not verify.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ReceiptError {
    #[error(
        "凭据第 1 行应为 c2sp.org/tlog-proof@v1 / receipt line 1 must be c2sp.org/tlog-proof@v1"
    )]
    BadHeader,
    #[error(
        "凭据第 {line} 行的 extra 不是规范 base64 / receipt line {line}: extra is not canonical base64"
    )]
    BadExtra { line: usize },
    #[error(
        "凭据第 {line} 行应为“index N”（无前导零）/ receipt line {line} must be \"index N\" without leading zeros"
    )]
    BadIndex { line: usize },
    #[error(
        "凭据第 {line} 行不是 32 字节哈希的规范 base64 / receipt line {line} is not canonical base64 of a 32-byte hash"
    )]
    BadProofLine { line: usize },
    #[error(
        "凭据证明哈希过多：{count}，上限 {max} / receipt has {count} proof hashes, at most {max}"
    )]
    TooManyProofLines { count: usize, max: usize },
    #[error("凭据缺少空行与检查点 / receipt has no blank line and checkpoint")]
    MissingCheckpoint,
    #[error(
        "凭据未携带条目（extra 行），无法计算叶哈希 / receipt carries no entry (extra line), so the leaf hash cannot be computed"
    )]
    MissingEntry,
    #[error(
        "检查点来源“{origin}”与日志密钥名“{key_name}”不符 / checkpoint origin {origin:?} does not match log key name {key_name:?}"
    )]
    OriginMismatch { origin: String, key_name: String },
    #[error("日志密钥 {key_name} 未签署该检查点 / checkpoint is not signed by log key {key_name}")]
    NotSignedByLog { key_name: String },
    #[error(
        "见证联署不足：{got}，至少需要 {need} / not enough witness cosignatures: {got}, need {need}"
    )]
    NotEnoughCosignatures { got: usize, need: usize },
    #[error("{0}")]
    Checkpoint(#[from] CheckpointError),
    #[error("{0}")]
    Note(#[from] NoteError),
    #[error("包含证明无效 / inclusion proof invalid: {0}")]
    Proof(#[from] ProofError),
}

/// An entry is not acceptable canonical JSON.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EntryError {
    #[error("条目不是有效 JSON：{0} / entry is not valid JSON")]
    Json(String),
    #[error("条目顶层必须是对象 / entry must be a JSON object at top level")]
    NotObject,
    #[error(
        "{path} 处为浮点数，仅允许整数 / floating-point number at {path}; only integers are allowed"
    )]
    Float { path: String },
    #[error(
        "{path} 处的整数超出 ±(2^53-1)，请改用字符串 / integer at {path} is outside ±(2^53-1); use a string"
    )]
    UnsafeInteger { path: String },
    #[error("{path} 处为 null，不允许 / null at {path} is not allowed")]
    Null { path: String },
    #[error("{path} 处的文本不是 NFC 规范化形式 / text at {path} is not NFC-normalised")]
    NotNfc { path: String },
    #[error("{path} 处嵌套超过 {max} 层 / nesting deeper than {max} at {path}")]
    TooDeep { path: String, max: usize },
    #[error("条目 {size} 字节，超过上限 {max} 字节 / entry is {size} bytes, more than {max}")]
    TooLarge { size: usize, max: usize },
    #[error(
        "条目不是规范 JSON（第 {offset} 字节起不同）/ entry is not canonical JSON (differs from byte {offset})"
    )]
    NotCanonical { offset: usize },
}
