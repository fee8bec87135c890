from django import forms
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from tenants.models import CODE_VALIDATOR, Municipality, validate_code
from tenants.modules import DEFAULT_MODULES, module_choices
from tenants.selectors import code_is_taken, domain_is_taken

KIND_CHOICES = [c for c in Municipality.Kind.choices if c[0] != Municipality.Kind.PLATFORM]


class MunicipalityCreateForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=30,
        validators=[CODE_VALIDATOR, validate_code],
        help_text=_("Becomes the schema name and the first part of the host name."),
    )
    name_en = forms.CharField(label=_("Name in English"), max_length=200)
    name_bn = forms.CharField(label=_("Name in Bangla"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=KIND_CHOICES)
    domain = forms.CharField(
        label=_("Domain"),
        max_length=253,
        required=False,
        help_text=_("Leave empty for CODE.%(base)s."),
    )
    modules = forms.MultipleChoiceField(
        label=_("Modules"),
        choices=module_choices,
        widget=forms.CheckboxSelectMultiple,
        initial=list(DEFAULT_MODULES),
        required=False,
    )
    admin_username = forms.CharField(label=_("First admin's username"), max_length=150)
    admin_email = forms.EmailField(label=_("First admin's email"))
    admin_password = forms.CharField(
        label=_("First admin's password"), widget=forms.PasswordInput, strip=False
    )

    def __init__(self, *args, base_domain: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.base_domain = base_domain
        self.fields["domain"].help_text = self.fields["domain"].help_text % {"base": base_domain}

    def clean_code(self):
        code = self.cleaned_data["code"].strip().lower()
        if code_is_taken(code):
            raise forms.ValidationError(
                _("A municipality with the code “%(code)s” already exists."),
                params={"code": code},
            )
        return code

    def clean_admin_password(self):
        password = self.cleaned_data["admin_password"]
        validate_password(password)
        return password

    def clean(self):
        data = super().clean()
        if "code" in data and not data.get("domain"):
            data["domain"] = f"{data['code']}.{self.base_domain}"
        domain = (data.get("domain") or "").strip().lower()
        if domain and domain_is_taken(domain):
            self.add_error(
                "domain",
                forms.ValidationError(
                    _("The domain “%(domain)s” already belongs to a municipality."),
                    params={"domain": domain},
                ),
            )
        data["domain"] = domain
        return data


class ModulesForm(forms.Form):
    modules = forms.MultipleChoiceField(
        label=_("Enabled modules"),
        choices=module_choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
