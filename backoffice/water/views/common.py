from django.core.exceptions import ValidationError
from django.http import Http404


def get_or_404(queryset, **kwargs):
    obj = queryset.filter(**kwargs).first()
    if obj is None:
        raise Http404
    return obj


def error_messages(error: ValidationError) -> list[str]:
    if hasattr(error, "message_dict"):
        return [m for messages in error.message_dict.values() for m in messages]
    return list(error.messages)


def form_errors(form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form, field by field."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)
