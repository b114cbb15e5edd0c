"""BreakGlassGrant moves to the participants app (issue #16: the audit trail imports nothing above core).

State only: Django forgets that audit owns the model; the table ``audit_breakglassgrant``, its rows, its
foreign keys and indexes stay exactly as they are. participants 0011 takes the model over, with
``db_table = "audit_breakglassgrant"``, in state only too.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_refuse_replace"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="BreakGlassGrant")],
            database_operations=[],
        ),
    ]
