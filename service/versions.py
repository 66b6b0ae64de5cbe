"""Optimistic concurrency: a resource's version, its ETag, and the If-Match check."""
from service.errors import VersionMismatch


def variant_etag(etag, **shown):
    """An answer's ETag: the resource's version tag, followed by the parts of what the answer
    shows that change without a new version — ``overdue`` turns with the clock, and whether
    parties are shown in full depends on the caller. A phone revalidating a copy made before
    its deadline passed gets the new answer, not 304. ``If-Match`` compares the version only."""
    return etag + "".join(f".{name}" for name, on in shown.items() if on)


def matches(if_match, etag, version) -> bool:
    """Whether an ``If-Match`` header (ETags of any variant, or bare versions) names the current
    version."""
    if if_match is None:
        return True
    wanted = {tag.strip().removeprefix("W/").strip('"').split(".", 1)[0]
              for tag in if_match.split(",")}
    return "*" in wanted or bool(wanted & {etag, str(version)})


def check_if_match(if_match, etag, version, what_zh, what_en):
    if not matches(if_match, etag, version):
        raise VersionMismatch(f"{what_zh}已被修改（当前版本 {version}），请刷新后重试",
                              f"The {what_en} changed (now version {version}); reload")
