"""Optimistic concurrency: a resource's version, its ETag, and the If-Match check."""
from service.errors import VersionMismatch


def matches(if_match, etag, version) -> bool:
    """Whether an ``If-Match`` header (ETags, or bare versions) names the current version."""
    if if_match is None:
        return True
    wanted = {tag.strip().removeprefix("W/").strip('"') for tag in if_match.split(",")}
    return "*" in wanted or bool(wanted & {etag, str(version)})


def check_if_match(if_match, etag, version, what_zh, what_en):
    if not matches(if_match, etag, version):
        raise VersionMismatch(f"{what_zh}已被修改（当前版本 {version}），请刷新后重试",
                              f"The {what_en} changed (now version {version}); reload")
