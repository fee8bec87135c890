"""SMS to an emptying applicant when the application changes state.

Call ``application_status_sms_queue(application=...)`` inside the step's
transaction (the message commits with the step; the send is queued after
commit).  The application keeps no language, so the text is Bangla, as
BTRC asks of SMS, unless ``language`` says otherwise."""

from backoffice.fsm import workflow
from backoffice.notifications import texts
from backoffice.notifications.services import sms_queue

# States worth a message to the applicant (the submission has its own text).
NOTIFIED_STATES = frozenset(
    {
        workflow.SENT_BACK,
        workflow.ASSESSED,
        workflow.SCHEDULED,
        workflow.EMPTIED,
        workflow.CLOSED,
        workflow.REJECTED,
        workflow.CANCELLED,
    }
)


def application_status_sms_queue(*, application, language: str = "bn"):
    """Queue the status SMS; None when the state needs none or there is no phone."""
    if application.state not in NOTIFIED_STATES or not application.applicant_phone:
        return None
    return sms_queue(
        phone=application.applicant_phone,
        template_key=texts.FSM_STATUS,
        language=language,
        context={
            "municipality": texts.municipality_names(),
            "reference": application.reference,
            "state": workflow.STATES[application.state],
        },
        related=f"fsm:{application.reference}",
    )
