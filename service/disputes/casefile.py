"""A dispute's case file (卷宗), kept as the People's Mediation Law has a committee keep it:
the registration, the parties, each session's record (调解记录), the agreement (调解协议书) or why
mediation failed, the return visits (回访), the pages filed as images (the signed agreement,
identity papers, evidence) and the case record. Mediation's confidences are
for the committee and those answerable for the case, not for everyone who may follow it."""
import base64

from sqlalchemy import select

from service.disputes.presenters import sees_personal_data
from service.errors import Forbidden, NotFound
from service.extensions import db
from service.exports.labels import DOCUMENT_KIND_NAMES
from service.incidents.photos import open_stored
from service.models import DisputeDocument, DisputeEvent, FollowUp, MediationSession


def require_reader(user, scope, dispute) -> bool:
    """Those who see the parties in full (assigned mediators, the committee's head, level 1,
    the centre, administrators) and the committee's other mediators, who pay the visits.
    Returns whether the reader sees the parties in full."""
    full = sees_personal_data(user, scope, dispute)
    if full or any(member.user_id == user.id for member in dispute.committee.members):
        return full
    raise Forbidden("调解记录只对本调委会的调解员、一级网格员、综治中心和管理员开放",
                    "Mediation records are for the committee, level 1, the centre and administrators")


def sessions(dispute):
    return select(MediationSession).where(MediationSession.dispute_id == dispute.id)


def follow_ups(dispute):
    return select(FollowUp).where(FollowUp.dispute_id == dispute.id)


def documents(dispute):
    return select(DisputeDocument).where(DisputeDocument.dispute_id == dispute.id)


def session_item(row):
    return {"id": row.id, "held_at": row.held_at, "summary": row.summary,
            "attendees": row.attendees,
            "recorded_by": {"id": row.recorded_by.id, "name": row.recorded_by.name},
            "created_at": row.created_at}


def follow_up_item(row):
    return {"id": row.id, "visited_at": row.visited_at, "performed": row.performed,
            "satisfaction": row.satisfaction, "note": row.note,
            "visitor": {"id": row.visitor.id, "name": row.visitor.name},
            "created_at": row.created_at}


def document_item(row):
    return {"id": row.id, "kind": row.kind, "kind_name": DOCUMENT_KIND_NAMES[row.kind],
            "title": row.title, "sha256": row.sha256, "content_type": row.content_type,
            "width": row.width, "height": row.height,
            "uploaded_by": {"id": row.uploader.id, "name": row.uploader.name},
            "created_at": row.created_at}


def whole(dispute):
    """Every part of the file, oldest first: (sessions, follow-ups, filed pages, record entries)."""
    def ordered(stmt, column):
        return db.session.scalars(stmt.order_by(column)).all()

    return (ordered(sessions(dispute), MediationSession.held_at),
            ordered(follow_ups(dispute), FollowUp.visited_at),
            ordered(documents(dispute), DisputeDocument.id),
            ordered(select(DisputeEvent).where(DisputeEvent.dispute_id == dispute.id),
                    DisputeEvent.sequence))


def page_images(pages):
    """Each filed page's print-sized copy as a data URI, for a file printed whole (None where
    the image file is missing: the page is listed, and the print says so)."""
    images = []
    for page in pages:
        try:
            stream, _etag = open_stored(page, "preview")
        except NotFound:
            images.append(None)
            continue
        with stream:
            data = base64.b64encode(stream.read()).decode("ascii")
        images.append(f"data:{page.content_type};base64,{data}")
    return images
