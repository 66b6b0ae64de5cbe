"""argon2 password hashes, and what a password chosen by its holder must be."""
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from config import DEMO_PASSWORD

MIN_LENGTH = 10
_hasher = PasswordHasher()
# Verified against when the username is unknown, so both failures take the same time.
_UNKNOWN_USER_HASH = _hasher.hash("no such user")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _UNKNOWN_USER_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def weak_password_problems(password: str, username: str, current: str) -> list[str]:
    """Why a password its holder chose will not do (empty: it will)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"新密码至少 {MIN_LENGTH} 个字符")
    if len(set(password)) < 4:
        problems.append("新密码过于简单：至少要有 4 个不同的字符")
    if username.lower() in password.lower():
        problems.append("新密码不能包含账号")
    if password in (DEMO_PASSWORD, current):
        problems.append("新密码不能是演示密码，也不能与当前密码相同")
    return problems
