"""Parties' personal data: resident ID validation, display masks, encryption at rest.

Keys: both keys are derived from one secret (``PERSONAL_DATA_KEY``, falling back to
``SECRET_KEY``) with HKDF-SHA256, a fixed application salt and a distinct ``info`` per
purpose, so the encryption key and the blind-index key are independent. HKDF rather than
PBKDF2 because the secret is a high-entropy key (the config demands 32+ characters), not a
password that needs key stretching. Changing the secret makes stored tokens undecryptable and
blind indexes unmatched: rotation means re-encrypting and re-indexing.
"""
import base64
import hashlib
import hmac
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_ID_PATTERN = re.compile(r"[0-9]{17}[0-9X]")
# GB 11643 / ISO 7064 MOD 11-2: weight of position i (1-based from the left) is 2^(18-i) mod 11.
_ID_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]
_ID_CHECK_CHARS = "10X98765432"  # indexed by (weighted sum) mod 11
_EARLIEST_BIRTH = date(1900, 1, 1)
_TOWN_TIME_ZONE = ZoneInfo("Asia/Shanghai")

_APP_SALT = b"songyuan-grid personal data v1"


def normalise_id_number(s: str) -> str:
    """Surrounding spaces dropped and a lowercase check character x upper-cased."""
    return s.strip().upper()


def id_check_char(first17: str) -> str:
    return _ID_CHECK_CHARS[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS)) % 11]


def valid_id_number(s) -> bool:
    """An 18-character resident ID: checksum and a real birth date from 1900 to today.
    Accepts a lowercase x and surrounding spaces (see normalise_id_number)."""
    if not isinstance(s, str):
        return False
    s = normalise_id_number(s)
    if not _ID_PATTERN.fullmatch(s) or id_check_char(s[:17]) != s[17]:
        return False
    try:
        born = datetime.strptime(s[6:14], "%Y%m%d").date()
    except ValueError:
        return False
    return _EARLIEST_BIRTH <= born <= datetime.now(_TOWN_TIME_ZONE).date()


def _mask_middle(s: str, head: int, tail: int) -> str:
    # Never leave fewer than 4 characters hidden: short values keep a quarter at each end.
    if len(s) - head - tail < 4:
        head = tail = len(s) // 4
    return s[:head] + "*" * (len(s) - head - tail) + s[len(s) - tail:]


def mask_id_number(s: str | None) -> str | None:
    """``441403199001011234`` → ``441403********1234`` (first 6, last 4)."""
    return None if s is None else _mask_middle(s, 6, 4)


def mask_phone(s: str | None) -> str | None:
    """``13812345678`` → ``138****5678`` (first 3, last 4)."""
    return None if s is None else _mask_middle(s, 3, 4)


class PersonalDataError(ValueError):
    """A token could not be decrypted: wrong key, or the token was damaged or altered."""


def _derive(secret: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=_APP_SALT, info=purpose).derive(secret)


class IdNumberCipher:
    """Authenticated encryption of ID numbers (Fernet: AES-128-CBC + HMAC-SHA256, random IV)
    and a keyed blind index for exact-match lookup without decrypting."""

    def __init__(self, secret: str):
        if not secret:
            raise ValueError("an encryption secret is required")
        raw = secret.encode("utf-8")
        self._fernet = Fernet(base64.urlsafe_b64encode(_derive(raw, b"id-number encryption")))
        self._index_key = _derive(raw, b"id-number blind index")

    def encrypt(self, plain: str) -> str:
        """Encrypts the normalised ID number; decrypt returns that normalised form."""
        return self._fernet.encrypt(normalise_id_number(plain).encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError) as exc:
            raise PersonalDataError(
                "cannot decrypt ID number: wrong PERSONAL_DATA_KEY or damaged ciphertext") from exc

    def blind_index(self, plain: str) -> str:
        # Keyed, because the ID space is small enough to brute-force a plain hash offline.
        return hmac.new(self._index_key, normalise_id_number(plain).encode("utf-8"),
                        hashlib.sha256).hexdigest()
