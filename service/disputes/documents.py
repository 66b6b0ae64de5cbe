"""Filing a page of the case file as an image (卷宗材料) and handing it back.

Those who carry the case file them: its assigned mediators, the committee's head, the centre.
The images show what the masked answers hide (signatures, identity papers), so only those who
see the parties in full get them back; the committee's other mediators see what was filed.
"""
from sqlalchemy import func, select

from service.disputes import casefile, record
from service.disputes.actions import actor_kinds, check_version
from service.disputes.changes import touch
from service.disputes.queries import get_visible
from service.disputes.workflow import ASSIGNED, CENTER, HEAD
from service.errors import Forbidden, NotFound, ValidationFailed
from service.exports.labels import DOCUMENT_KIND_NAMES
from service.extensions import db
from service.incidents.photo_files import clean_photo
from service.incidents.photos import open_stored, store
from service.models import DisputeDocument

MAX_DOCUMENTS = 60
FILERS = {ASSIGNED, HEAD, CENTER}


def add_document(user, scope, dispute_id, raw: bytes, kind, title=None, if_match=None):
    """Returns (document, created). The same image twice in one case gives the same document."""
    dispute = get_visible(user, scope, dispute_id, for_update=True)
    if not actor_kinds(user, scope, dispute) & FILERS:
        raise Forbidden("只有被指派的调解员、调委会主任和综治中心可以归入卷宗材料",
                        "Only the assigned mediators, the committee's head and the centre file pages")
    check_version(dispute, if_match)
    image = clean_photo(raw)
    existing = db.session.scalar(casefile.documents(dispute)
                                 .where(DisputeDocument.sha256 == image.sha256))
    if existing is not None:
        return existing, False
    count = db.session.scalar(select(func.count()).select_from(casefile.documents(dispute)
                                                               .subquery()))
    if count >= MAX_DOCUMENTS:
        raise ValidationFailed(f"每宗纠纷最多 {MAX_DOCUMENTS} 份卷宗材料",
                               f"At most {MAX_DOCUMENTS} pages per dispute",
                               errors={"file": [f"已有 {count} 份材料，不能再上传"]})
    document = DisputeDocument(dispute_id=dispute.id, kind=kind, title=title,
                               sha256=image.sha256, storage_key=store().save(image),
                               content_type=image.content_type, width=image.width,
                               height=image.height, uploader_id=user.id)
    db.session.add(document)
    db.session.flush()
    touch(dispute)
    record.append(db.session, dispute, user.id, "document", dispute.status,
                  "：".join(filter(None, (DOCUMENT_KIND_NAMES[kind], title))),
                  {"document_id": document.id, "kind": kind, "sha256": image.sha256})
    db.session.commit()
    return document, True


def open_document(user, scope, dispute_id, document_id, size=None):
    """(document, open file, ETag) of a filed page, or of its ``size`` copy."""
    dispute = get_visible(user, scope, dispute_id)
    if not casefile.require_reader(user, scope, dispute):
        raise Forbidden("卷宗材料图片含当事人个人信息，只对被指派的调解员、调委会主任、一级网格员、"
                        "综治中心和管理员开放",
                        "The filed pages show the parties' personal data; they are for those who "
                        "see the parties in full")
    document = db.session.scalar(casefile.documents(dispute)
                                 .where(DisputeDocument.id == document_id))
    if document is None:
        raise NotFound("卷宗材料不存在", "Document not found")
    return (document, *open_stored(document, size))
