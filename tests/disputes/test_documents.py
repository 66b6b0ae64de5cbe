"""The case file's pages kept as images (卷宗材料): filed by those who carry the case, cleaned of
EXIF, recorded on the hash chain, listed for the committee, shown only to those who see the
parties in full — on both databases."""
import base64
import hashlib
import io
import json
import re
from pathlib import Path

import pytest
from PIL import ExifTags, Image
from sqlalchemy import func, select

from service.disputes import documents
from service.disputes.record import verify
from service.exports.labels import DOCUMENT_KIND_NAMES
from service.extensions import db
from service.models import DisputeDocument
from service.models.disputes import DOCUMENT_KINDS
from tests.append_only import assert_append_only
from tests.disputes.conftest import (API, HEAD_A, HEAD_B, L2_A, L3_A, L4_A1, MED_A2, MED_A3,
                                     assert_problem, drive, event_rows, intaken, snapshot)
from tests.disputes.test_case_file import Text
from tests.incidents.conftest import gps_jpeg_bytes, jpeg_bytes, png_bytes

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def file_page(client, auth, username, dispute_id, data, kind="agreement", title=None,
              if_match=None, filename="scan.jpg", **fields):
    form = {"file": (io.BytesIO(data), filename), "kind": kind, **fields}
    if title is not None:
        form["title"] = title
    headers = auth.headers(username, **({"If-Match": if_match} if if_match else {}))
    return client.post(f"{API}/disputes/{dispute_id}/documents", data=form,
                       content_type="multipart/form-data", headers=headers)


def filed(client, auth, username, dispute_id, data, **kwargs):
    response = file_page(client, auth, username, dispute_id, data, **kwargs)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def page_image(client, auth, username, dispute_id, document_id, **query):
    return client.get(f"{API}/disputes/{dispute_id}/documents/{document_id}",
                      query_string=query, headers=auth.headers(username))


def stored_files(app):
    root = Path(app.config["PHOTO_DIR"])
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def document_count():
    db.session.remove()
    count = db.session.scalar(select(func.count()).select_from(DisputeDocument))
    db.session.remove()
    return count


def test_every_kind_of_page_has_a_chinese_name():
    assert list(DOCUMENT_KIND_NAMES) == list(DOCUMENT_KINDS)


@pytest.fixture
def mediating(client, auth):
    dispute = intaken(client, auth)
    drive(client, auth, dispute["id"], "mediating")
    return dispute


def test_the_mediator_files_the_signed_agreement_and_the_record_holds_its_hash(
        app, client, auth, mediating):
    dispute_id = mediating["id"]
    raw = gps_jpeg_bytes()
    with Image.open(io.BytesIO(raw)) as source:  # the phone's photo really carries GPS
        assert source.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    version = snapshot(dispute_id)["version"]

    page = filed(client, auth, MED_A2, dispute_id, raw, title="调解协议书（双方签字）")

    assert (page["kind"], page["kind_name"], page["title"]) == (
        "agreement", "调解协议书", "调解协议书（双方签字）")
    assert (page["content_type"], page["width"], page["height"]) == ("image/jpeg", 64, 40)
    assert page["uploaded_by"]["name"] and page["created_at"].endswith("+08:00")
    image = page_image(client, auth, HEAD_A, dispute_id, page["id"])
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    assert image.headers["Cache-Control"] == "private, max-age=3600"
    assert hashlib.sha256(image.data).hexdigest() == page["sha256"]
    with Image.open(io.BytesIO(image.data)) as stored:
        assert not stored.getexif()  # GPS, camera and every other tag gone
    entry = event_rows(dispute_id)[-1]
    assert (entry.action, entry.note) == ("document", "调解协议书：调解协议书（双方签字）")
    assert json.loads(entry.details) == {"document_id": page["id"], "kind": "agreement",
                                         "sha256": page["sha256"]}
    assert snapshot(dispute_id)["version"] == version + 1
    assert verify(db.session, dispute_id) == []
    shown = client.get(f"{API}/disputes/{dispute_id}/events",
                       headers=auth.headers(MED_A2)).get_json()["items"][-1]
    assert shown["action_name"] == "归入卷宗材料"


def test_the_same_image_twice_is_one_page(app, client, auth, mediating):
    dispute_id = mediating["id"]
    first = filed(client, auth, MED_A2, dispute_id, png_bytes(), kind="evidence")
    before = (snapshot(dispute_id), stored_files(app), document_count())

    again = file_page(client, auth, HEAD_A, dispute_id, png_bytes(), kind="other")

    assert again.status_code == 200 and again.get_json() == first
    assert (snapshot(dispute_id), stored_files(app), document_count()) == before


def test_the_committee_lists_the_pages_but_only_full_readers_see_them(client, auth, mediating):
    dispute_id = mediating["id"]
    first = filed(client, auth, MED_A2, dispute_id, jpeg_bytes(), kind="application")
    second = filed(client, auth, "center01", dispute_id, png_bytes(), kind="identity",
                   title="张三身份证")
    for username in (MED_A2, MED_A3, HEAD_A, "center01", "l1-01", "admin"):
        listed = client.get(f"{API}/disputes/{dispute_id}/documents",
                            headers=auth.headers(username))
        assert listed.status_code == 200, (username, listed.get_json())
        assert [item["id"] for item in listed.get_json()["items"]] == [first["id"], second["id"]]
    for username in (MED_A2, HEAD_A, "center01", "l1-01", "admin"):
        thumb = page_image(client, auth, username, dispute_id, second["id"], size="thumb")
        assert thumb.status_code == 200 and thumb.mimetype == "image/png", username
    # the committee's other mediators know what was filed, not what the papers show
    assert_problem(page_image(client, auth, MED_A3, dispute_id, second["id"]), 403, "forbidden")
    for username in (L2_A, L3_A):  # they follow the case, not the mediation's papers
        assert_problem(client.get(f"{API}/disputes/{dispute_id}/documents",
                                  headers=auth.headers(username)), 403, "forbidden")
        assert_problem(page_image(client, auth, username, dispute_id, first["id"]), 403,
                       "forbidden")
    for username in (HEAD_B, L4_A1):  # not in scope at all
        assert_problem(client.get(f"{API}/disputes/{dispute_id}/documents",
                                  headers=auth.headers(username)), 404, "not_found")
        assert_problem(page_image(client, auth, username, dispute_id, first["id"]), 404,
                       "not_found")
    other = intaken(client, auth)
    assert_problem(page_image(client, auth, HEAD_A, other["id"], first["id"]), 404, "not_found")


def test_only_those_who_carry_the_case_file_pages(app, client, auth, mediating):
    dispute_id = mediating["id"]
    before = (snapshot(dispute_id), stored_files(app), document_count())
    for username in (MED_A3, L3_A, L2_A, "l1-01", "admin"):
        assert_problem(file_page(client, auth, username, dispute_id, jpeg_bytes()), 403,
                       "forbidden")
    for username in (HEAD_B, L4_A1):
        assert_problem(file_page(client, auth, username, dispute_id, jpeg_bytes()), 404,
                       "not_found")
    assert (snapshot(dispute_id), stored_files(app), document_count()) == before


def test_pages_are_filed_after_the_case_is_closed(client, auth):
    dispute = intaken(client, auth)
    drive(client, auth, dispute["id"], "closed")
    page = filed(client, auth, HEAD_A, dispute["id"], jpeg_bytes(), kind="judicial_confirmation")
    assert page["kind_name"] == "司法确认文书"


@pytest.mark.parametrize("data, form, status, code, field", [
    (jpeg_bytes(), {"kind": "receipt"}, 422, "validation_failed", "kind"),
    (jpeg_bytes(), {"kind": None}, 422, "validation_failed", "kind"),
    (jpeg_bytes(), {"title": "名" * 101}, 422, "validation_failed", "title"),
    (jpeg_bytes(), {"title": ""}, 422, "validation_failed", "title"),
    (jpeg_bytes(), {"note": "多余的字段"}, 422, "validation_failed", "note"),
    (PDF, {"filename": "协议书.jpg"}, 415, "unsupported_media_type", None),
    (jpeg_bytes()[:-400], {}, 422, "validation_failed", None),
    (b"", {}, 422, "validation_failed", None),
])
def test_bad_pages_are_refused_and_change_nothing(app, client, auth, mediating, data, form,
                                                  status, code, field):
    dispute_id = mediating["id"]
    before = (snapshot(dispute_id), stored_files(app), document_count())
    form = dict(form)  # the same parameters serve both databases
    kind = form.pop("kind", "agreement")
    if kind is None:
        response = client.post(f"{API}/disputes/{dispute_id}/documents",
                               data={"file": (io.BytesIO(data), "scan.jpg")},
                               content_type="multipart/form-data",
                               headers=auth.headers(MED_A2))
    else:
        response = file_page(client, auth, MED_A2, dispute_id, data, kind=kind, **form)
    problem = assert_problem(response, status, code)
    if field:
        assert field in problem["errors"], problem
    assert (snapshot(dispute_id), stored_files(app), document_count()) == before


def test_a_page_without_its_file_or_with_a_stale_version_changes_nothing(
        app, client, auth, mediating):
    dispute_id = mediating["id"]
    before = (snapshot(dispute_id), stored_files(app), document_count())
    no_file = client.post(f"{API}/disputes/{dispute_id}/documents", data={"kind": "evidence"},
                          content_type="multipart/form-data", headers=auth.headers(MED_A2))
    assert "file" in assert_problem(no_file, 422, "validation_failed")["errors"]
    as_json = client.post(f"{API}/disputes/{dispute_id}/documents",
                          json={"kind": "evidence", "file": "aGVsbG8="},
                          headers=auth.headers(MED_A2))
    assert as_json.status_code == 422 and "file" in as_json.get_json()["errors"]
    stale = file_page(client, auth, MED_A2, dispute_id, jpeg_bytes(),
                      if_match=f'"d{dispute_id}-1"')
    assert_problem(stale, 412, "version_mismatch")
    assert (snapshot(dispute_id), stored_files(app), document_count()) == before


def test_a_case_holds_a_bounded_number_of_pages(client, auth, mediating, monkeypatch):
    monkeypatch.setattr(documents, "MAX_DOCUMENTS", 2)
    dispute_id = mediating["id"]
    for colour in ((1, 2, 3), (4, 5, 6)):
        filed(client, auth, MED_A2, dispute_id, png_bytes(colour=colour), kind="evidence")
    third = file_page(client, auth, MED_A2, dispute_id, png_bytes(colour=(7, 8, 9)))
    assert "file" in assert_problem(third, 422, "validation_failed")["errors"]
    assert document_count() == 2


def test_the_printed_file_lists_the_pages(client, auth, mediating):
    dispute_id = mediating["id"]
    page = filed(client, auth, MED_A2, dispute_id, jpeg_bytes(), kind="identity",
                 title="<b>李四</b>身份证")
    html = client.get(f"{API}/disputes/{dispute_id}/file", headers=auth.headers(HEAD_A))
    assert html.status_code == 200
    text_of_page = Text(html.get_data(as_text=True)).text
    assert "卷内材料目录" in text_of_page and "当事人身份证明" in text_of_page
    assert "<b>李四</b>身份证" in text_of_page  # escaped: shown as written, not as markup
    assert page["sha256"] in text_of_page


def test_the_file_printed_whole_carries_each_page_for_full_readers_only(client, auth, mediating):
    dispute_id = mediating["id"]
    agreement = filed(client, auth, MED_A2, dispute_id, jpeg_bytes(size=(2400, 1600)),
                      kind="agreement", title="签字的协议书")
    identity = filed(client, auth, MED_A2, dispute_id, png_bytes(size=(300, 200)), kind="identity")
    html = client.get(f"{API}/disputes/{dispute_id}/file",
                      headers=auth.headers(HEAD_A)).get_data(as_text=True)
    sources = re.findall(r'<img src="data:(image/[a-z]+);base64,([A-Za-z0-9+/=]+)"', html)
    assert [kind for kind, _ in sources] == ["image/jpeg", "image/png"]
    for (_, data), page in zip(sources, (agreement, identity)):
        preview = page_image(client, auth, HEAD_A, dispute_id, page["id"], size="preview")
        assert base64.b64decode(data) == preview.get_data()  # the print-sized copy, in order
    with Image.open(io.BytesIO(base64.b64decode(sources[0][1]))) as printed:
        assert max(printed.size) == 1280
    text_of_page = Text(html).text
    assert "第 1 份：调解协议书（签字的协议书）" in text_of_page
    assert "第 2 份：当事人身份证明" in text_of_page

    masked = client.get(f"{API}/disputes/{dispute_id}/file",
                        headers=auth.headers(MED_A3)).get_data(as_text=True)
    assert "<img" not in masked and "卷内材料目录" in masked
    assert "材料图片含当事人个人信息" in Text(masked).text


def test_a_filed_page_cannot_be_rewritten_or_removed(client, auth, mediating):
    filed(client, auth, MED_A2, mediating["id"], jpeg_bytes(), kind="evidence")
    assert_append_only(DisputeDocument, lambda row: setattr(row, "title", "改过的名称"),
                       "UPDATE dispute_documents SET sha256 = 'x'", "DELETE FROM dispute_documents")
    assert document_count() == 1


def test_a_page_over_10_mb_is_refused_and_changes_nothing(app, client, auth, mediating):
    dispute_id = mediating["id"]
    before = (snapshot(dispute_id), stored_files(app), document_count())
    too_big = jpeg_bytes() + b"\0" * (11 * 1024 * 1024)
    assert_problem(file_page(client, auth, MED_A2, dispute_id, too_big), 413, "payload_too_large")
    assert (snapshot(dispute_id), stored_files(app), document_count()) == before
