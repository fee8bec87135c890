from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from backoffice.registry.importing import safety
from backoffice.registry.importing.models import ImportJob


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"))
    upload = forms.FileField(
        label=_("File"),
        help_text=_("A zipped Shapefile (.zip), a GeoPackage (.gpkg), CSV or Excel (.xlsx)."),
    )
    source_srid = forms.IntegerField(
        label=_("Coordinate system (EPSG code)"),
        required=False,
        min_value=1024,
        max_value=999999,
        help_text=_(
            "Only for files that do not state it: CSV and Excel are read as EPSG:4326 "
            "(longitude, latitude) unless you give another code."
        ),
    )
    accept_valid_rows = forms.BooleanField(
        label=_("Import the valid rows even if some are rejected"),
        required=False,
        help_text=_("Otherwise nothing is imported when any row is rejected."),
    )

    def __init__(self, *args, kinds: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(ImportJob.Kind.choices)
        self.fields["kind"].choices = [(k, labels[k]) for k in kinds]

    def clean_upload(self):
        upload = self.cleaned_data["upload"]
        try:
            suffix = safety.upload_check(name=upload.name, size=upload.size)
            if suffix == ".zip":
                with safety.zip_open(upload) as archive:
                    safety.archive_check(archive)
                upload.seek(0)
            elif suffix == ".xlsx":
                with safety.zip_open(upload) as archive:
                    safety.spreadsheet_check(archive)
                upload.seek(0)
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc
        return upload
