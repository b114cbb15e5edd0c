from django import forms
from django.utils.translation import gettext_lazy as _


class SiteImportForm(forms.Form):
    file = forms.FileField(label=_("Site configuration file (JSON)"))

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > 2 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 2 MB."))
        return f
