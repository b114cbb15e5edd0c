"""The audit trail refuses an insert that names an existing row (issue #15 item 18).

SQLite's ``INSERT OR REPLACE`` / ``REPLACE INTO`` resolves the conflict by deleting the old row and inserting
the new one; SQLite fires DELETE triggers for that implicit delete only when ``PRAGMA recursive_triggers``
is on, so ``audit_no_delete`` never saw it and a row could be rewritten in place. A BEFORE INSERT trigger
that aborts when the id already exists closes it in the schema itself, for every connection (the sqlite3
shell, a backup copy, a tool that never ran our PRAGMAs) — rather than a per-connection PRAGMA that any
connection opened without it would bypass. See docs/decisions/0030-backups-and-the-embedded-database.md.

PostgreSQL has no REPLACE; ``INSERT ... ON CONFLICT DO UPDATE`` updates the existing row, which fires the
BEFORE UPDATE row trigger of 0002 (tested), so nothing is added there.
"""

from django.db import migrations

SQLITE_UP = [
    "CREATE TRIGGER audit_no_replace BEFORE INSERT ON audit_auditevent "
    "WHEN NEW.id IS NOT NULL AND EXISTS (SELECT 1 FROM audit_auditevent WHERE id = NEW.id) "
    "BEGIN SELECT RAISE(ABORT, 'audit_auditevent is append-only'); END;",
]
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS audit_no_replace;"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only")]

    operations = [migrations.RunPython(_run({"sqlite": SQLITE_UP}), _run({"sqlite": SQLITE_DOWN}))]
