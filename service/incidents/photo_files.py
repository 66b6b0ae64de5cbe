"""Incident photos: validate and clean uploaded images, and keep them on disk by content.

Independent of the database and of Flask: ``clean_photo`` turns untrusted upload bytes
into a ``CleanPhoto`` (or raises a ``ServiceError``), ``PhotoStore`` files it away.
"""
import hashlib
import io
import os
import re
import struct
import tempfile
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from PIL import Image, ImageOps

from service.errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed

MAX_PHOTO_BYTES = 10 * 1024 * 1024
# Our own limit, checked before decoding; Pillow's global MAX_IMAGE_PIXELS (~89 MP) is
# left alone and only acts as a second line of defence.
MAX_PHOTO_PIXELS = 40_000_000
JPEG_QUALITY = 85

CONTENT_TYPES = {"JPEG": "image/jpeg", "MPO": "image/jpeg", "PNG": "image/png"}
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png"}
# Only what is needed to render the pixels right; everything else (EXIF, XMP, comments,
# text chunks) is dropped. Pillow's encoders copy these keys from ``.info`` by themselves.
KEPT_INFO = ("icc_profile", "transparency")
# What Pillow raises on a corrupt JPEG/PNG it has recognised (TypeError: from rewriting
# garbled EXIF inside ImageOps.exif_transpose).
DECODING_ERRORS = (OSError, SyntaxError, ValueError, TypeError, EOFError, struct.error,
                   zlib.error)


@dataclass(frozen=True)
class CleanPhoto:
    data: bytes
    sha256: str
    content_type: str  # "image/jpeg" | "image/png"
    width: int
    height: int


def clean_photo(raw: bytes) -> CleanPhoto:
    """Decode ``raw``, refuse anything but a sound JPEG/PNG, and re-encode it upright
    and without metadata. The same ``raw`` always gives the same ``data`` and sha256."""
    if len(raw) > MAX_PHOTO_BYTES:
        raise PayloadTooLarge("图片不能超过 10 MB", "A photo must not exceed 10 MB")
    if not raw:
        raise ValidationFailed("图片文件为空", "The photo file is empty")

    with warnings.catch_warnings():
        # Pillow warns about corrupt EXIF on untrusted uploads; that metadata is dropped anyway.
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            # formats= keeps Pillow from even trying its other (GIF, PDF, TIFF …) parsers.
            with Image.open(io.BytesIO(raw), formats=("JPEG", "PNG")) as image:
                if image.width * image.height > MAX_PHOTO_PIXELS:
                    raise _too_many_pixels()
                image.load()
                content_type = CONTENT_TYPES[image.format]
                upright = ImageOps.exif_transpose(image)
        except Image.UnidentifiedImageError:
            raise UnsupportedMediaType("只接受 JPEG 或 PNG 图片",
                                       "Only JPEG or PNG images are accepted") from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_many_pixels() from None
        except DECODING_ERRORS:
            raise ValidationFailed("图片文件损坏或不完整",
                                   "The image file is corrupt or incomplete") from None

    upright.info = {key: upright.info[key] for key in KEPT_INFO if key in upright.info}
    out = io.BytesIO()
    if content_type == "image/jpeg":
        upright.save(out, "JPEG", quality=JPEG_QUALITY)
    else:
        upright.save(out, "PNG")
    data = out.getvalue()
    return CleanPhoto(data=data, sha256=hashlib.sha256(data).hexdigest(),
                      content_type=content_type, width=upright.width, height=upright.height)


# Smaller copies for phones on a weak signal, by name: the longest side in pixels.
SIZES = {"thumb": 320, "preview": 1280}


def resized(data: bytes, content_type: str, size: str) -> bytes:
    """A copy of a cleaned photo's ``data`` whose longest side is at most ``SIZES[size]``
    (never enlarged), in the photo's own format. The same input always gives the same bytes."""
    longest = SIZES[size]
    with Image.open(io.BytesIO(data), formats=("JPEG", "PNG")) as image:
        image.thumbnail((longest, longest))  # decodes a JPEG at a reduced scale first
        out = io.BytesIO()
        if content_type == "image/jpeg":
            image.save(out, "JPEG", quality=JPEG_QUALITY)
        else:
            image.save(out, "PNG")
    return out.getvalue()


def _too_many_pixels():
    return ValidationFailed(
        f"图片像素过多（上限 {MAX_PHOTO_PIXELS // 1_000_000} 百万像素）",
        f"The image has too many pixels (limit {MAX_PHOTO_PIXELS // 1_000_000} megapixels)")


# ab/cd/<sha256>[-<size>].<ext>, where ab and cd are the first four hex digits of the sha256
# of the photo (a smaller copy is filed beside its photo).
_KEY = re.compile(r"([0-9a-f]{2})/([0-9a-f]{2})/(\1\2[0-9a-f]{60})"
                  rf"(-(?:{'|'.join(SIZES)}))?\.(jpg|png)")


class PhotoStore:
    """Content-addressed photo files under ``root``: the same bytes are stored once."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def save(self, photo: CleanPhoto) -> str:
        """Store ``photo`` (unless already there) and return its key, relative to root."""
        if hashlib.sha256(photo.data).hexdigest() != photo.sha256:
            raise ValueError("CleanPhoto.sha256 does not match its data")
        sha = photo.sha256
        key = f"{sha[:2]}/{sha[2:4]}/{sha}.{EXTENSIONS[photo.content_type]}"
        self.write(key, photo.data)
        return key

    @staticmethod
    def sized_key(key: str, size: str) -> str:
        """The key of the ``size`` copy of the photo stored under ``key``."""
        stem, dot, extension = key.rpartition(".")
        return f"{stem}-{size}{dot}{extension}"

    def write(self, key: str, data: bytes):
        """File ``data`` under ``key`` unless something is there already: a key names its
        content, so what is there is the same."""
        path = self._path(key)
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write aside and rename, so that a reader never sees half a file.
        fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as temp_file:
                temp_file.write(data)
                temp_file.flush()
                os.fsync(temp_file.fileno())
            os.chmod(temp_name, 0o644)
            os.replace(temp_name, path)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise

    def open(self, key: str) -> BinaryIO:
        """The stored file for ``key``, opened for binary reading (FileNotFoundError if absent)."""
        return open(self._path(key), "rb")

    def open_copy(self, key: str, content_type: str, size: str | None = None) -> BinaryIO:
        """The photo stored under ``key``, or its ``size`` copy (SIZES), made from the photo the
        first time it is asked for and kept beside it."""
        if size is None:
            return self.open(key)
        sized = self.sized_key(key, size)
        if not self.exists(sized):
            with self.open(key) as original:
                self.write(sized, resized(original.read(), content_type, size))
        return self.open(sized)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def _path(self, key: str) -> Path:
        # Only well-formed keys are accepted, so no key can point outside root.
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            raise ValueError(f"not a photo key: {key!r}")
        return self.root / key
