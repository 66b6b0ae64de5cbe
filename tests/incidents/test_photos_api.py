"""POST/GET /incidents/{id}/photos through HTTP: real images, EXIF removed, limits, bad files."""
import hashlib
import io
from pathlib import Path

import pytest
from PIL import ExifTags, Image

from tests.images import blank_png
from tests.incidents.conftest import (API, GRID_A1, GRID_B1, VILLAGE_A, assert_problem, counts,
                                      event_rows,
                                      gps_jpeg_bytes, jpeg_bytes, png_bytes, reported, snapshot,
                                      upload, uploaded)

L4_A1 = f"l4-{GRID_A1}"
L4_B1 = f"l4-{GRID_B1}"
L3_A = f"l3-{VILLAGE_A}"
MB = 1024 * 1024


@pytest.fixture
def incident(client, auth):
    return reported(client, auth, L4_A1)


def _stored_files(app):
    root = Path(app.config["PHOTO_DIR"])
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _unchanged(app, incident_id, before_counts, before_files, before_snapshot):
    assert counts() == before_counts
    assert _stored_files(app) == before_files
    assert snapshot(incident_id) == before_snapshot


def test_a_phone_jpeg_is_stored_without_exif_and_served_back(app, client, auth, incident):
    iid = incident["id"]
    raw = gps_jpeg_bytes()
    with Image.open(io.BytesIO(raw)) as source:  # the upload really carries GPS
        assert source.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    before = snapshot(iid)

    response = upload(client, auth, L4_A1, iid, raw, filename="IMG_0001.jpg")

    assert response.status_code == 201, response.get_json()
    photo = response.get_json()
    assert set(photo) >= {"id", "sha256", "content_type", "width", "height"}
    assert (photo["content_type"], photo["width"], photo["height"]) == ("image/jpeg", 64, 40)

    served = client.get(f"{API}/incidents/{iid}/photos/{photo['id']}", headers=auth.headers(L4_A1))
    assert served.status_code == 200
    assert served.mimetype == "image/jpeg"
    assert hashlib.sha256(served.data).hexdigest() == photo["sha256"]
    assert b"Exif" not in served.data and b"TestPhone" not in served.data
    with Image.open(io.BytesIO(served.data)) as image:
        assert image.format == "JPEG" and image.size == (64, 40)
        assert not image.getexif()
        assert "exif" not in image.info
    # …and so is the file on disk.
    [stored] = _stored_files(app)
    assert b"Exif" not in stored.read_bytes()

    # The incident lists it, its version moved on and the case record says so.
    detail = client.get(f"{API}/incidents/{iid}", headers=auth.headers(L4_A1)).get_json()
    assert [p["id"] for p in detail["photos"]] == [photo["id"]]
    assert detail["version"] == before["version"] + 1
    last = event_rows(iid)[-1]
    assert (last.action, last.from_status, last.to_status) == ("photo", "reported", "reported")
    listed = client.get(f"{API}/incidents/{iid}/events", headers=auth.headers(L4_A1)).get_json()
    assert listed["items"][-1]["action_name"] == "添加照片"


def test_a_png_is_accepted(client, auth, incident):
    photo = uploaded(client, auth, L4_A1, incident["id"], png_bytes(size=(20, 10)), filename="a.png")
    assert (photo["content_type"], photo["width"], photo["height"]) == ("image/png", 20, 10)
    served = client.get(f"{API}/incidents/{incident['id']}/photos/{photo['id']}",
                        headers=auth.headers(L4_A1))
    assert served.mimetype == "image/png" and served.data.startswith(b"\x89PNG")


def test_the_same_bytes_twice_are_the_same_photo(app, client, auth, incident):
    iid = incident["id"]
    raw = gps_jpeg_bytes()
    first = uploaded(client, auth, L4_A1, iid, raw)
    before = (counts(), _stored_files(app), snapshot(iid))

    again = upload(client, auth, "center01", iid, raw, filename="renamed.jpg")

    assert again.status_code == 200, again.get_json()
    assert again.get_json() == first
    _unchanged(app, iid, *before)


def test_the_same_photo_on_two_incidents_is_two_rows_and_one_file(app, client, auth, incident):
    other = reported(client, auth, L4_A1)
    raw = jpeg_bytes()
    one = uploaded(client, auth, L4_A1, incident["id"], raw)
    two = uploaded(client, auth, L4_A1, other["id"], raw)
    assert one["id"] != two["id"] and one["sha256"] == two["sha256"]
    assert len(_stored_files(app)) == 1
    # Each is served under its own incident only.
    assert client.get(f"{API}/incidents/{incident['id']}/photos/{two['id']}",
                      headers=auth.headers(L4_A1)).status_code == 404


def _pdf():
    return (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
            b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")


def _gif():
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (1, 2, 3)).save(buffer, "GIF")
    return buffer.getvalue()


@pytest.mark.parametrize("name, data, filename, status, code", [
    ("renamed PDF", _pdf(), "photo.jpg", 415, "unsupported_media_type"),
    ("GIF", _gif(), "photo.png", 415, "unsupported_media_type"),
    ("text", "这不是图片".encode(), "photo.jpg", 415, "unsupported_media_type"),
    ("truncated JPEG", jpeg_bytes(size=(300, 200))[:600], "photo.jpg", 422, "validation_failed"),
    ("truncated PNG", png_bytes(size=(300, 200))[:80], "photo.png", 422, "validation_failed"),
    ("empty file", b"", "photo.jpg", 422, "validation_failed"),
    ("decompression bomb (48 MP, 100 KB)", blank_png(8000, 6000), "photo.png", 422,
     "validation_failed"),
])
def test_bad_files_are_refused_and_nothing_is_stored(app, client, auth, incident, name, data,
                                                      filename, status, code):
    iid = incident["id"]
    before = (counts(), _stored_files(app), snapshot(iid))
    response = upload(client, auth, L4_A1, iid, data, filename=filename, content_type="image/jpeg")
    assert_problem(response, status, code)
    _unchanged(app, iid, *before)


def test_a_jpeg_over_10_mb_is_413(app, client, auth, incident):
    """Just over the photo limit, but inside the request-size limit: the photo check answers."""
    iid = incident["id"]
    before = (counts(), _stored_files(app), snapshot(iid))
    big = jpeg_bytes() + b"\0" * (10 * MB)
    assert 10 * MB < len(big) < app.config["MAX_CONTENT_LENGTH"] - 4096
    assert_problem(upload(client, auth, L4_A1, iid, big), 413, "payload_too_large")
    _unchanged(app, iid, *before)


def test_an_11_mb_upload_is_413_problem_json(app, client, auth, incident):
    iid = incident["id"]
    before = (counts(), _stored_files(app), snapshot(iid))
    huge = jpeg_bytes() + b"\0" * (11 * MB)
    response = upload(client, auth, L4_A1, iid, huge)
    assert_problem(response, 413, "payload_too_large")
    _unchanged(app, iid, *before)


def test_at_most_9_photos(app, client, auth, incident):
    iid = incident["id"]
    ids = [uploaded(client, auth, L4_A1, iid, png_bytes((n * 20, 0, 0)))["id"] for n in range(9)]
    assert len(set(ids)) == 9
    before = (counts(), _stored_files(app), snapshot(iid))

    problem = assert_problem(upload(client, auth, L4_A1, iid, png_bytes((0, 0, 250))), 422,
                             "validation_failed")
    assert "file" in problem["errors"]
    _unchanged(app, iid, *before)
    assert counts()["incident_photos"] == 9
    detail = client.get(f"{API}/incidents/{iid}", headers=auth.headers(L4_A1)).get_json()
    assert [p["id"] for p in detail["photos"]] == ids

    # One of the nine again is still the same photo, not a tenth.
    again = upload(client, auth, L4_A1, iid, png_bytes((0, 0, 0)))
    assert again.status_code == 200 and again.get_json()["id"] == ids[0]


def test_those_who_work_on_the_incident_add_photos_and_nobody_else(app, client, auth, incident):
    iid = incident["id"]
    before = (counts(), _stored_files(app), snapshot(iid))
    assert client.get(f"{API}/incidents/{iid}", headers=auth.headers("admin")).status_code == 200
    assert_problem(upload(client, auth, "admin", iid, png_bytes()), 403, "forbidden")
    _unchanged(app, iid, *before)
    for n, username in enumerate((f"l3-{VILLAGE_A}", "center01", "l1-01")):
        assert uploaded(client, auth, username, iid, png_bytes((0, 40 * n, 0)))["id"]


def test_a_stale_if_match_on_a_photo_is_412_and_nothing_is_stored(app, client, auth, incident):
    iid = incident["id"]
    stale = f'"{iid}-{incident["version"]}"'
    uploaded(client, auth, L4_A1, iid, png_bytes((10, 0, 0)), if_match=stale)  # still current
    before = (counts(), _stored_files(app), snapshot(iid))
    assert_problem(upload(client, auth, L4_A1, iid, png_bytes((20, 0, 0)), if_match=stale), 412,
                   "version_mismatch")
    _unchanged(app, iid, *before)
    current = client.get(f"{API}/incidents/{iid}", headers=auth.headers(L4_A1)).headers["ETag"]
    assert uploaded(client, auth, L4_A1, iid, png_bytes((20, 0, 0)), if_match=current)["id"]


def test_a_missing_file_field_is_422(app, client, auth, incident):
    iid = incident["id"]
    before = (counts(), _stored_files(app), snapshot(iid))
    response = upload(client, auth, L4_A1, iid, jpeg_bytes(), field="photo")
    problem = assert_problem(response, 422, "validation_failed")
    assert "file" in problem["errors"]
    response = client.post(f"{API}/incidents/{iid}/photos", headers=auth.headers(L4_A1))
    assert_problem(response, 422, "validation_failed")
    response = client.post(f"{API}/incidents/{iid}/photos", data={"file": "not a file"},
                           content_type="multipart/form-data", headers=auth.headers(L4_A1))
    assert_problem(response, 422, "validation_failed")
    _unchanged(app, iid, *before)


def test_smaller_copies_for_a_weak_signal(app, client, auth, incident):
    """size=thumb / preview: the same photo, smaller, made once and kept beside it; its own
    ETag; only for callers who may see the incident."""
    iid = incident["id"]
    photo = uploaded(client, auth, L4_A1, iid, jpeg_bytes(size=(2000, 1500)))
    url = f"{API}/incidents/{iid}/photos/{photo['id']}"
    original = client.get(url, headers=auth.headers(L4_A1))
    sizes = {}
    for size, longest in (("thumb", 320), ("preview", 1280)):
        served = client.get(url, query_string={"size": size}, headers=auth.headers(L3_A))
        assert served.status_code == 200 and served.mimetype == "image/jpeg"
        with Image.open(io.BytesIO(served.data)) as image:
            assert image.size == (longest, longest * 3 // 4)
        assert len(served.data) < len(original.data)
        assert served.headers["ETag"] not in (original.headers["ETag"], *sizes.values())
        assert "private" in served.headers["Cache-Control"]
        sizes[size] = served.headers["ETag"]
        again = client.get(url, query_string={"size": size},
                           headers=auth.headers(L3_A, **{"If-None-Match": served.headers["ETag"]}))
        assert again.status_code == 304
    assert len(_stored_files(app)) == 3  # the photo and one file for each size, made once
    assert client.get(url, query_string={"size": "thumb"}, headers=auth.headers(L3_A)).data \
        == client.get(url, query_string={"size": "thumb"}, headers=auth.headers(L4_A1)).data
    assert len(_stored_files(app)) == 3
    assert_problem(client.get(url, query_string={"size": "thumb"}, headers=auth.headers(L4_B1)),
                   404, "not_found")
    assert_problem(client.get(url, query_string={"size": "huge"}, headers=auth.headers(L4_A1)),
                   422, "validation_failed")
    assert len(_stored_files(app)) == 3


def test_photo_answers_are_private_to_the_caller(client, auth, incident):
    photo = uploaded(client, auth, L4_A1, incident["id"], jpeg_bytes())
    served = client.get(f"{API}/incidents/{incident['id']}/photos/{photo['id']}",
                        headers=auth.headers(L4_A1))
    assert "private" in served.headers["Cache-Control"]
    assert "public" not in served.headers["Cache-Control"]
    assert client.get(f"{API}/incidents/{incident['id']}/photos/{photo['id']}").status_code == 401
