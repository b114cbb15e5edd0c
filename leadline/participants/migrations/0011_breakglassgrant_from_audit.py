"""BreakGlassGrant is the participants app's model now (issue #16), moved from audit (audit 0004).

State only: the table was created by audit 0001 and keeps its name (``db_table``), its rows, its foreign
keys and indexes; nothing is run on the database.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("participants", "0010_participant_court_reminders"),
        ("audit", "0004_breakglassgrant_to_participants"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="BreakGlassGrant",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("reason", models.TextField(verbose_name="reason")),
                        ("opened_at", models.DateTimeField()),
                        ("expires_at", models.DateTimeField()),
                        ("closed_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "participant",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="break_glass_grants",
                                to="participants.participant",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="break_glass",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "break-glass grant",
                        "db_table": "audit_breakglassgrant",
                        "ordering": ["-opened_at"],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
