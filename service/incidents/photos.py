"""Photo actions: attach a cleaned photo to an incident in scope; hand it back to callers in scope."""
from flask import current_app
from sqlalchemy import func, select

from service.errors import Forbidden, NotFound, ValidationFailed
from service.extensions import db
from service.incidents import queries
from service.incidents.actions import check_version, record, touch
from service.incidents.steps import may
from service.incidents.photo_files import PhotoStore, clean_photo
from service.incidents.workflow import HANDLER, SUPERVISOR
from service.models import IncidentPhoto

MAX_PHOTOS = 9


def store() -> PhotoStore:
    return PhotoStore(current_app.config["PHOTO_DIR"])


def may_add_photos(user, scope, incident) -> bool:
    """Those who work on the incident: whoever may act on it, its reporter and the workers of
    its grid. A mediator or an admin sees it but adds nothing to it."""
    return (user.id == incident.reporter_id or incident.grid_id in scope.grid_ids
            or may(user, incident, HANDLER) or may(user, incident, SUPERVISOR))


def add_photo(user, scope, incident_id, raw: bytes, if_match=None):
    """Returns (photo, created). The same bytes twice give the same photo. ``If-Match`` is
    optional: a phone uploading after a long time offline need not know the latest version."""
    incident = queries.get_visible(user, scope, incident_id, for_update=True)
    if not may_add_photos(user, scope, incident):
        raise Forbidden("您无权为该事件上传照片", "You may not add photos to this incident")
    check_version(incident, if_match)
    added = _attach(incident, user, clean_photo(raw))
    db.session.commit()
    return added


def attach_to_new_report(user, scope, incident_id, photo):
    """A photo sent with a new report (cleaned before it was filed), in the report's own
    transaction: the report's caller commits both or neither."""
    _attach(queries.get_visible(user, scope, incident_id, for_update=True), user, photo)


def _attach(incident, user, photo):
    """(photo row, created): the cleaned photo stored and on the case record, unless the
    incident has it already."""
    existing = db.session.scalar(select(IncidentPhoto).where(
        IncidentPhoto.incident_id == incident.id, IncidentPhoto.sha256 == photo.sha256))
    if existing is not None:
        return existing, False
    count = db.session.scalar(select(func.count()).select_from(IncidentPhoto)
                              .where(IncidentPhoto.incident_id == incident.id))
    if count >= MAX_PHOTOS:
        raise ValidationFailed(f"每个事件最多 {MAX_PHOTOS} 张照片", f"At most {MAX_PHOTOS} photos per incident",
                               errors={"file": [f"已有 {count} 张照片，不能再上传"]})
    key = store().save(photo)
    row = IncidentPhoto(incident_id=incident.id, sha256=photo.sha256, storage_key=key,
                        content_type=photo.content_type, width=photo.width, height=photo.height,
                        uploader_id=user.id)
    db.session.add(row)
    touch(incident)
    record(incident, user, "photo", incident.status, f"照片 {photo.sha256[:12]}")
    return row, True


def open_photo(user, scope, incident_id, photo_id, size=None):
    """(photo row, open file, ETag) of the photo or of its ``size`` copy."""
    queries.require_visible(user, scope, incident_id)
    photo = db.session.scalar(select(IncidentPhoto).where(IncidentPhoto.id == photo_id,
                                                          IncidentPhoto.incident_id == incident_id))
    if photo is None:
        raise NotFound("照片不存在", "Photo not found")
    return (photo, *open_stored(photo, size))


def open_stored(image, size=None):
    """(open file, ETag) of a stored image row (a photo, a case-file page), or of its ``size``
    copy (photo_files.SIZES), made the first time it is asked for and kept beside it."""
    try:
        stream = store().open_copy(image.storage_key, image.content_type, size)
    except FileNotFoundError:
        raise NotFound("图片文件缺失", "Image file missing") from None
    return stream, image.sha256 if size is None else f"{image.sha256}-{size}"
