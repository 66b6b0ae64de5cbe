"""clean_photo and PhotoStore, with real image bytes made by Pillow (or by hand) here."""
import hashlib
import io
import random
import warnings

import pytest
from PIL import ExifTags, Image
from PIL.PngImagePlugin import PngInfo

from service.errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from service.incidents.photo_files import (
    MAX_PHOTO_BYTES, SIZES, CleanPhoto, PhotoStore, clean_photo, resized,
)
from tests.images import blank_png

RED, BLUE = (255, 0, 0), (0, 0, 255)
GPS_LATITUDE = (24.0, 43.0, 48.0)


def two_colour_image(width=64, height=32):
    """Left half red, right half blue, so that a rotation can be seen in the pixels."""
    image = Image.new("RGB", (width, height), BLUE)
    image.paste(RED, (0, 0, width // 2, height))
    return image


def encode(image, format, **params):
    buffer = io.BytesIO()
    image.save(buffer, format, **params)
    return buffer.getvalue()


def phone_jpeg():
    """A JPEG as a phone sends it: EXIF with GPS and Orientation=6, XMP and a comment."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "TestPhone"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: GPS_LATITUDE,
        ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: (116.0, 23.0, 24.0),
    }
    return encode(two_colour_image(), "JPEG", exif=exif, comment=b"secret comment",
                  xmp=b"<x:xmpmeta xmlns:x='adobe:ns:meta/'>secret xmp</x:xmpmeta>")


def noise_jpeg(width=256, height=256):
    pixels = random.Random(0).randbytes(width * height * 3)
    return encode(Image.frombytes("RGB", (width, height), pixels), "JPEG", quality=95)


# --- clean_photo ------------------------------------------------------------------

def test_phone_jpeg_source_really_carries_gps_and_orientation():
    with Image.open(io.BytesIO(phone_jpeg())) as source:
        exif = source.getexif()
        assert exif[ExifTags.Base.Orientation] == 6
        assert exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitude] == GPS_LATITUDE


def test_jpeg_is_rotated_upright_and_stripped_of_all_metadata():
    photo = clean_photo(phone_jpeg())

    assert photo.content_type == "image/jpeg"
    assert (photo.width, photo.height) == (32, 64)  # Orientation=6: width and height swap
    assert b"Exif" not in photo.data
    assert b"\xff\xe1" not in photo.data  # no APP1 segment at all (EXIF and XMP live there)
    assert b"secret" not in photo.data and b"TestPhone" not in photo.data
    with Image.open(io.BytesIO(photo.data)) as cleaned:
        assert cleaned.format == "JPEG"
        assert cleaned.size == (32, 64)
        assert not cleaned.getexif()
        assert "xmp" not in cleaned.info and "comment" not in cleaned.info
        # The stored left half (red) is on top once turned 90° clockwise.
        top, bottom = cleaned.convert("RGB").getpixel((16, 8)), cleaned.getpixel((16, 56))
    assert top[0] > 200 and top[2] < 60
    assert bottom[2] > 200 and bottom[0] < 60


def test_cleaning_is_deterministic():
    raw = phone_jpeg()
    first, second = clean_photo(raw), clean_photo(raw)
    assert first == second
    assert len(first.sha256) == 64


def test_sha256_is_of_the_cleaned_bytes():
    raw = phone_jpeg()
    photo = clean_photo(raw)
    assert photo.data != raw
    assert photo.sha256 == hashlib.sha256(photo.data).hexdigest()


def test_png_stays_png_without_text_or_exif_but_with_transparency():
    image = Image.new("RGBA", (40, 20), (0, 128, 0, 0))
    text = PngInfo()
    text.add_text("Comment", "secret text")
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "TestPhone"
    photo = clean_photo(encode(image, "PNG", pnginfo=text, exif=exif))

    assert photo.content_type == "image/png"
    assert (photo.width, photo.height) == (40, 20)
    assert b"secret" not in photo.data and b"TestPhone" not in photo.data
    with Image.open(io.BytesIO(photo.data)) as cleaned:
        assert cleaned.format == "PNG" and cleaned.mode == "RGBA"
        assert not cleaned.getexif()
        assert cleaned.getpixel((0, 0)) == (0, 128, 0, 0)


def test_multi_picture_jpeg_from_a_phone_is_a_jpeg():
    raw = encode(two_colour_image(), "MPO", save_all=True, append_images=[two_colour_image()])
    with Image.open(io.BytesIO(raw)) as source:
        assert source.format == "MPO"
    photo = clean_photo(raw)
    assert photo.content_type == "image/jpeg"
    with Image.open(io.BytesIO(photo.data)) as cleaned:
        assert cleaned.format == "JPEG"


@pytest.mark.parametrize("raw", [
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n",
    encode(two_colour_image(), "GIF"),
    encode(two_colour_image(), "BMP"),
    encode(two_colour_image(), "WEBP"),
    "网格员上报的文字，不是图片".encode(),
    b"\xff\xd8\xff",  # a JPEG's first bytes and nothing else
], ids=["pdf", "gif", "bmp", "webp", "text", "jpeg-magic-only"])
def test_anything_but_jpeg_or_png_is_unsupported(raw):
    with pytest.raises(UnsupportedMediaType) as caught:
        clean_photo(raw)
    assert caught.value.status == 415
    assert caught.value.detail_zh == "只接受 JPEG 或 PNG 图片"


@pytest.mark.parametrize("raw", [noise_jpeg(), encode(two_colour_image(200, 200), "PNG")],
                         ids=["jpeg", "png"])
def test_truncated_image_is_refused(raw):
    with pytest.raises(ValidationFailed) as caught:
        clean_photo(raw[: len(raw) // 2])
    assert caught.value.status == 422
    assert caught.value.detail_zh == "图片文件损坏或不完整"


def test_empty_upload_is_refused():
    with pytest.raises(ValidationFailed):
        clean_photo(b"")


def test_oversize_upload_is_refused_before_decoding():
    with pytest.raises(PayloadTooLarge) as caught:
        clean_photo(b"\xff" * (11 * 1024 * 1024))
    assert caught.value.status == 413
    with pytest.raises(PayloadTooLarge):
        clean_photo(b"\xff" * (MAX_PHOTO_BYTES + 1))


@pytest.mark.parametrize("width, height", [
    (20000, 20000),  # 400 MP: beyond Pillow's own global limit
    (8000, 6000),    # 48 MP: under Pillow's limit but over ours
])
def test_decompression_bomb_is_refused(width, height):
    bomb = blank_png(width, height)
    assert len(bomb) < MAX_PHOTO_BYTES
    limit_before, filters_before = Image.MAX_IMAGE_PIXELS, list(warnings.filters)

    with pytest.raises(ValidationFailed) as caught:
        clean_photo(bomb)

    assert caught.value.status == 422
    assert "too many pixels" in caught.value.detail_en
    assert Image.MAX_IMAGE_PIXELS == limit_before
    assert warnings.filters == filters_before


def test_hand_made_png_is_itself_a_valid_image():
    photo = clean_photo(blank_png(300, 200))
    assert (photo.content_type, photo.width, photo.height) == ("image/png", 300, 200)


# --- PhotoStore -------------------------------------------------------------------

def stored_files(root):
    return sorted(path for path in root.rglob("*") if path.is_file())


def test_store_saves_by_content_and_only_once(tmp_path):
    store = PhotoStore(tmp_path)
    photo = clean_photo(phone_jpeg())

    key = store.save(photo)
    again = store.save(clean_photo(phone_jpeg()))

    assert key == again == f"{photo.sha256[:2]}/{photo.sha256[2:4]}/{photo.sha256}.jpg"
    assert stored_files(tmp_path) == [tmp_path / key]  # one file, no temp files left
    assert store.exists(key)
    with store.open(key) as stored:
        assert stored.read() == photo.data


def test_store_uses_png_extension(tmp_path):
    key = PhotoStore(tmp_path).save(clean_photo(blank_png(10, 10)))
    assert key.endswith(".png")


def test_store_accepts_a_string_root_and_creates_it(tmp_path):
    store = PhotoStore(str(tmp_path / "photos"))
    key = store.save(clean_photo(blank_png(10, 10)))
    assert (tmp_path / "photos" / key).is_file()


def test_store_refuses_a_photo_whose_sha256_does_not_match(tmp_path):
    photo = clean_photo(blank_png(10, 10))
    forged = CleanPhoto(b"other bytes", photo.sha256, photo.content_type, 10, 10)
    with pytest.raises(ValueError):
        PhotoStore(tmp_path).save(forged)
    assert stored_files(tmp_path) == []


def test_missing_key_does_not_exist(tmp_path):
    store = PhotoStore(tmp_path)
    key = f"ab/cd/abcd{'0' * 60}.jpg"
    assert not store.exists(key)
    with pytest.raises(FileNotFoundError):
        store.open(key)


SHA = "abcd" + "0" * 60


@pytest.mark.parametrize("key", [
    "../etc/passwd",
    "ab/cd/../../../etc/passwd",
    f"ab/cd/../../{SHA}.jpg",
    "/etc/passwd",
    f"/ab/cd/{SHA}.jpg",
    f"ab/cd/{SHA}.jpg\n",
    f"ab/cd/{SHA}.exe",
    f"ab/cd/{SHA.upper()}.jpg",
    f"ff/cd/{SHA}.jpg",  # directories that do not match the sha256
    f"ab\\cd\\{SHA}.jpg",
    f"{SHA}.jpg",
    "",
])
def test_store_refuses_keys_that_are_not_photo_keys(tmp_path, key):
    store = PhotoStore(tmp_path / "photos")
    with pytest.raises(ValueError):
        store.open(key)
    with pytest.raises(ValueError):
        store.exists(key)
    with pytest.raises(ValueError):
        store.write(key, b"data")


# --- smaller copies ---------------------------------------------------------------

@pytest.mark.parametrize("format, content_type", [("JPEG", "image/jpeg"), ("PNG", "image/png")])
@pytest.mark.parametrize("size", sorted(SIZES))
def test_a_smaller_copy_fits_its_size_keeps_the_shape_and_the_format(format, content_type, size):
    photo = clean_photo(encode(two_colour_image(3000, 1500), format))
    copy = resized(photo.data, photo.content_type, size)
    with Image.open(io.BytesIO(copy)) as image:
        assert image.format == format
        assert image.size == (SIZES[size], SIZES[size] // 2)
        left, right = image.convert("RGB").getpixel((5, 5)), image.convert("RGB").getpixel(
            (image.width - 5, 5))
        assert left[0] > 200 > left[2] and right[2] > 200 > right[0]  # not turned round
        assert not image.getexif()
    assert len(copy) < len(photo.data)
    assert resized(photo.data, photo.content_type, size) == copy  # the same bytes every time


def test_a_photo_already_small_is_not_enlarged():
    photo = clean_photo(encode(two_colour_image(200, 100), "JPEG"))
    with Image.open(io.BytesIO(resized(photo.data, photo.content_type, "thumb"))) as image:
        assert image.size == (200, 100)


def test_a_copy_is_filed_beside_its_photo(tmp_path):
    store = PhotoStore(tmp_path)
    photo = clean_photo(phone_jpeg())
    key = store.save(photo)
    thumb = store.sized_key(key, "thumb")
    assert thumb == key.removesuffix(".jpg") + "-thumb.jpg"
    assert not store.exists(thumb)
    store.write(thumb, b"first")
    store.write(thumb, b"second")  # a key names its content: what is there stays
    with store.open(thumb) as stored:
        assert stored.read() == b"first"
    assert stored_files(tmp_path) == sorted([tmp_path / key, tmp_path / thumb])
