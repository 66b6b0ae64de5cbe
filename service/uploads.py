"""Images over HTTP: reading an upload from a multipart body, sending a stored image back."""
import flask_smorest
from flask import send_file
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import CombinedMultiDict
from webargs.multidictproxy import MultiDictProxy

from service.errors import ValidationFailed


class UploadParser(FlaskParser):
    """Reads a multipart body's fields and its files together as the "form" location: a phone
    sends a file with the fields that describe it (as WeChat's wx.uploadFile sends formData)."""

    def load_form(self, req, schema):
        return MultiDictProxy(CombinedMultiDict([req.form, req.files]), schema)


class UploadBlueprint(flask_smorest.Blueprint):
    """A blueprint whose ``location="form"`` arguments also hold the uploaded files."""

    ARGUMENTS_PARSER = UploadParser()


def uploaded_bytes(upload, field="file") -> bytes:
    """The bytes of a multipart file field (422 at the field when it is not a file)."""
    if upload is None or not hasattr(upload, "read"):
        raise ValidationFailed(errors={field: [f"请用 multipart/form-data 的 {field} 字段上传图片"]})
    return upload.read()


def image_response(stream, content_type, etag):
    """A stored image for the phone to keep: private, revalidated by ``ETag`` after an hour."""
    response = send_file(stream, mimetype=content_type, etag=etag, max_age=3600,
                         conditional=True)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
