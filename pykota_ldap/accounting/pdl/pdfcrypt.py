"""Whether qpdf opens an encrypted PDF with the empty password, for :mod:`pdffast`.

Encryption hides strings and streams, not the page tree (dictionaries,
names, numbers, references), so a file that opens with the empty user
password is counted from the same objects as a plain one. Only the
standard security handler with RC4 or AES-128 keys is checked here (PDF
1.7, 7.6.3.3, algorithms 2, 4 and 5: MD5 and RC4): V 1, 2 and 4 with their
usual R 2, 3 and 4. Anything else (AES-256, another handler, a literal
string this parser did not keep, an odd key length) is a doubt, and so is a
user password that is not empty: qpdf's path then says whether the file
opens (it also tries the password as the owner's) or is refused.
"""

from __future__ import annotations

PAD = bytes.fromhex("28bf4e5e4e758a4164004e56fffa01082e2e00b6d0683e802f0ca9fe6453697a")
# (V, R) -> key length in bytes (None: the /Length entry's, which must then be there); the
# combinations writers use. V 4 must also say /Length 128: no reader's default is relied upon.
HANDLERS = {(1, 2): 5, (2, 3): None, (4, 4): 16}
FILTERS_V4 = ("V2", "AESV2", "None")


def opens_with_empty_password(encrypt: dict, trailer_id: object) -> bool:
    """True when the standard security handler accepts the empty user password; False for
    anything this module does not check (qpdf's path then decides)."""
    if encrypt.get("Filter") != "Standard" or "SubFilter" in encrypt:
        return False
    v, r = encrypt.get("V", 0), encrypt.get("R")
    if type(v) is not int or type(r) is not int or (v, r) not in HANDLERS:
        return False
    length = HANDLERS[(v, r)] or _key_length(encrypt.get("Length"))
    if v == 4 and encrypt.get("Length") != 128:
        return False
    owner, user, permissions = encrypt.get("O"), encrypt.get("U"), encrypt.get("P")
    if not (isinstance(owner, bytes) and isinstance(user, bytes) and len(owner) == 32 and len(user) == 32):
        return False
    if type(permissions) is not int or length is None:
        return False
    if not (isinstance(trailer_id, list) and trailer_id and isinstance(trailer_id[0], bytes) and trailer_id[0]):
        return False
    metadata = encrypt.get("EncryptMetadata", True)
    if v == 4 and not (_standard_filters(encrypt) and isinstance(metadata, bool)):
        return False
    key = _key(owner, permissions, trailer_id[0], length, r, metadata)
    return _user_entry(key, trailer_id[0], r) == (user if r == 2 else user[:16])


def _key_length(bits: object) -> int | None:
    if type(bits) is int and 40 <= bits <= 128 and bits % 8 == 0:
        return bits // 8
    return None


def _standard_filters(encrypt: dict) -> bool:
    """/StmF and /StrF name /Identity or a crypt filter of /CF with a known method."""
    filters = encrypt.get("CF", {})
    if not isinstance(filters, dict):
        return False
    for which in ("StmF", "StrF"):
        name = encrypt.get(which, "Identity")
        if name == "Identity":
            continue
        crypt = filters.get(name)
        if not isinstance(crypt, dict) or crypt.get("CFM", "None") not in FILTERS_V4:
            return False
    return True


def _key(owner: bytes, permissions: int, first_id: bytes, length: int, revision: int, metadata: bool) -> bytes:
    """Algorithm 2 with the empty password."""
    import hashlib  # here: only encrypted files need it

    digest = hashlib.md5(PAD + owner + (permissions & 0xFFFFFFFF).to_bytes(4, "little") + first_id,
                         usedforsecurity=False)
    if revision >= 4 and not metadata:
        digest.update(b"\xff\xff\xff\xff")
    key = digest.digest()
    if revision >= 3:
        for _ in range(50):
            key = hashlib.md5(key[:length], usedforsecurity=False).digest()
    return key[:length]


def _user_entry(key: bytes, first_id: bytes, revision: int) -> bytes:
    """Algorithms 4 (R 2) and 5 (R 3 and 4): what /U holds when the user password is empty."""
    if revision == 2:
        return _rc4(key, PAD)
    import hashlib

    value = _rc4(key, hashlib.md5(PAD + first_id, usedforsecurity=False).digest())
    for step in range(1, 20):
        value = _rc4(bytes(byte ^ step for byte in key), value)
    return value


def _rc4(key: bytes, data: bytes) -> bytes:
    state = list(range(256))
    j = 0
    for i in range(256):
        j = (j + state[i] + key[i % len(key)]) & 0xFF
        state[i], state[j] = state[j], state[i]
    out, i, j = bytearray(), 0, 0
    for byte in data:
        i = (i + 1) & 0xFF
        j = (j + state[i]) & 0xFF
        state[i], state[j] = state[j], state[i]
        out.append(byte ^ state[(state[i] + state[j]) & 0xFF])
    return bytes(out)
