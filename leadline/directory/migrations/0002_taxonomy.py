"""The kinds of service issue #7 names, as the directory's own taxonomy (HSDS taxonomy terms); a site
adds its own terms, or imports another taxonomy's, beside them."""

from django.db import migrations

TERMS = [
    ("housing", "Housing", None),
    ("education", "Education", None),
    ("employment", "Employment", None),
    ("mental-health", "Mental health", None),
    ("substance-use-treatment", "Substance-use treatment", None),
    ("moud", "Medication for opioid use disorder", "substance-use-treatment"),
    ("harm-reduction", "Harm reduction", "substance-use-treatment"),
    ("id-documents", "ID documents", None),
    ("benefits", "Benefits", None),
    ("civil-legal", "Civil legal help", None),
    ("food", "Food", None),
    ("health-care", "Health care", None),
]


def seed(apps, schema_editor):
    TaxonomyTerm = apps.get_model("directory", "TaxonomyTerm")
    made = {}
    for code, name, parent in TERMS:
        made[code], _ = TaxonomyTerm.objects.get_or_create(
            code=code, defaults={"name": name, "parent": made.get(parent) if parent else None}
        )


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
