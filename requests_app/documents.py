"""Files of an application: identity proofs, scans, corrections, the disclosed documents.

Type checked from the content (catalog.attachments does the sniffing), stored under MEDIA_ROOT with a
random name, downloaded as an attachment with the original Chinese name and never rendered inline.
"""

from __future__ import annotations

from types import SimpleNamespace

from django.core.exceptions import ValidationError
from django.http import FileResponse

from catalog import attachments
from disclosure_site.errors import DomainError
from disclosure_site.faults import atomic_with_files

from .models import InfoRequest, RequestDocument, RequestEvent


def store_document(
    info_request: InfoRequest,
    uploaded,
    *,
    kind: str,
    by,
    event: RequestEvent | None = None,
    for_applicant: bool = False,
) -> RequestDocument:
    """Check uploaded (type from its content, size limit) and store it with info_request."""
    try:
        file_type, name = attachments.inspect_upload(uploaded)
    except ValidationError as error:
        raise DomainError(" ".join(error.messages)) from None
    uploaded.seek(0)
    document = RequestDocument(
        info_request=info_request,
        event=event,
        kind=kind,
        original_name=name,
        file_type=file_type,
        size=uploaded.size,
        for_applicant=for_applicant,
        uploaded_by=by if getattr(by, "is_authenticated", False) else None,
    )
    with atomic_with_files():  # a failed row write leaves no file; a failed file write raises FileNotSaved
        document.file.save(name, uploaded, save=False)
        document.save()
    return document


def download_response(document: RequestDocument) -> FileResponse:
    """The stored file as a download with its original name (FileNotFoundError if it is missing)."""
    view = SimpleNamespace(
        pk=document.pk, original_name=document.original_name, kind=document.file_type, file=document.file
    )
    return attachments.download_response(view)
