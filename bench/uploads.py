"""Issue #15 item 8: what a hostile or large upload costs the web worker that receives it.

    python bench/uploads.py [pdf png legal hsds]      # every case by default

Each case runs in its own process on a scratch SQLite database (a temp folder), and prints the wall
time of the request (or of the parse) and the peak resident memory of that process above what it held
just before (Linux: the peak is reset through /proc/self/clear_refs, then read as VmHWM). The cases:

- pdf:   a 495-byte PDF whose catalogue holds an array that lists itself 18 times, uploaded as a signed
         consent paper (``consents.documents.uploaded_document``);
- png:   an 8,000 x 5,000 (40-megapixel) PNG scan, the same way;
- legal: a 5,000-row court-record CSV (1,000 participants with a diversion matter, five rows each),
         POSTed to /legal/import/ as the liaison prosecutor; when the page hands the file to a background
         job (the fixed code), the job is then run here and timed apart;
- hsds:  a 9.9 MB HSDS JSON file (about 6,000 services), POSTed to /directory/import/, the same way.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CASES = ("pdf", "png", "legal", "hsds")


def hostile_pdf(fanout: int = 18) -> bytes:
    """A small PDF whose catalogue holds an array listing itself ``fanout`` times: a reader that follows
    every reference without remembering where it has been walks fanout**depth paths."""
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R /Extra 4 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
        b"[" + b" ".join([b"4 0 R"] * fanout) + b"]",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def big_png(width: int = 8000, height: int = 5000) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(out, "PNG")
    return out.getvalue()


def legal_csv(people: list[tuple[str, str, str]], rows: int = 5000) -> bytes:
    lines = ["record,given_name,family_name,date_of_birth,docket,court,description,status,date,time,"
             "purpose,reference,statute,degree"]  # fmt: skip
    for n in range(rows):
        given, family, dob = people[n % len(people)]
        kind = ("case", "court_date", "warrant", "new_charge", "court_date")[n // len(people) % 5]
        if kind == "case":
            lines.append(f"case,{given},{family},{dob},D-{n},City Court,Petit larceny,open,,,,,,")
        elif kind == "court_date":
            lines.append(f"court_date,{given},{family},{dob},,City Court,,,2027-0{1 + n % 9}-1{n % 9},"
                         f"09:{n % 60:02d},Arraignment,,,")  # fmt: skip
        elif kind == "warrant":
            lines.append(f"warrant,{given},{family},{dob},,County Court,,active,2026-01-02,,,W-{n},,")
        else:
            lines.append(
                f"new_charge,{given},{family},{dob},,,,,2026-03-0{1 + n % 9},,,,PL 165.40,misdemeanor_a"
            )
    return ("\n".join(lines) + "\n").encode()


def hsds_json(target_bytes: int = 9_900_000) -> bytes:
    def uid(*parts: object) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, "bench/" + "/".join(map(str, parts))))

    services, size, n = [], 2, 0
    while True:
        org = n % 100
        service = {
            "id": uid("s", n), "name": f"Service {n}", "status": "active",
            "description": "Free help with housing, benefits and documents. " * 8,
            "organization": {"id": uid("o", org), "name": f"Organisation {org}", "description": "Community"},
            "schedules": [{"id": uid("sc", n), "freq": "WEEKLY", "byday": "MO,WE", "opens_at": "09:00",
                           "closes_at": "17:00"}],
            "service_at_locations": [{"id": uid("sal", n), "location": {
                "id": uid("l", n), "location_type": "physical", "name": f"Place {n}",
                "addresses": [{"id": uid("a", n), "address_1": f"{n} Main St", "city": "Rochester",
                               "state_province": "NY", "postal_code": "14614", "country": "US",
                               "address_type": "physical"}]}}],
        }  # fmt: skip
        text = json.dumps(service)
        if size + len(text) + 2 > target_bytes:
            break
        services.append(service)
        size += len(text) + 2
        n += 1
    return json.dumps(services).encode()


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _mark() -> float:
    """Reset the process's peak resident memory (Linux: clear_refs 5), and return what it holds now."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")
    return _status_mb("VmRSS")


def _peak_above(baseline: float) -> float:
    return _status_mb("VmHWM") - baseline


def _django() -> None:
    tmp = tempfile.mkdtemp(prefix="leadline-uploads-")
    os.environ.update(DJANGO_SETTINGS_MODULE="config.test_settings", LEADLINE_VAR_DIR=tmp,
                      DATABASE_URL=f"sqlite:///{tmp}/uploads.sqlite3")  # fmt: skip
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()
    call_command("migrate", verbosity=0)


def _run_job_if_any(case: str) -> float | None:
    """The fixed code answers with the job's page and leaves the work to the task worker: run it here."""
    try:
        from leadline.core.models import ImportJob
    except ImportError:
        return None
    job = ImportJob.objects.order_by("-created_at").first()
    if job is None:
        return None
    if case == "legal":
        from leadline.legal.tasks import records_import_run as run
    else:
        from leadline.directory.tasks import hsds_import_run as run
    started = time.perf_counter()
    run.call(str(job.pk))
    seconds = time.perf_counter() - started
    job.refresh_from_db()
    print(f"    job: {job.status}, {job.rows_done}/{job.rows_total} rows, {job.errors[:3]}", file=sys.stderr)
    return seconds


def one(case: str) -> dict[str, object]:
    _django()
    from django.core.files.uploadedfile import SimpleUploadedFile

    from leadline.demo.testing import make_world, verified_client

    result: dict[str, object] = {"case": case}
    if case in ("pdf", "png"):
        from leadline.consents.documents import DocumentRefused, uploaded_document

        data = Path(os.environ["BENCH_UPLOADS_DIR"], case).read_bytes()  # made by the parent process
        result["bytes"] = len(data)
        before = _mark()
        started = time.perf_counter()
        try:
            uploaded_document(SimpleUploadedFile("scan", data))
            result["answer"] = "accepted"
        except DocumentRefused as exc:
            result["answer"] = f"refused: {exc.message}"
        result["seconds"] = time.perf_counter() - started
        result["peak_mb_above"] = _peak_above(before)
        return result
    world = make_world()
    from leadline.participants.models import Participant

    if case == "legal":
        from datetime import date

        people = [(f"Given{i}", f"Family{i:04d}", date(1980, 1, 1 + i % 28).replace(month=1 + i % 12))
                  for i in range(1000)]  # fmt: skip
        from leadline.core import clock

        now = clock.now()
        Participant.objects.bulk_create([
            Participant(given_name=g, family_name=f, date_of_birth=d, status="active", created_at=now,
                        updated_at=now)
            for g, f, d in people
        ])  # fmt: skip
        from leadline.legal.models import LegalMatter

        # The prosecutor reaches the people with an open diversion matter.
        LegalMatter.objects.bulk_create([
            LegalMatter(participant=p, incident_at=now, mode="expunge_after_participation", window_days=30,
                        deadline_at=now, created_at=now)
            for p in Participant.objects.filter(given_name__startswith="Given")
        ])  # fmt: skip
        data = legal_csv([(g, f, d.isoformat()) for g, f, d in people])
        url, name, user = "/legal/import/", "records.csv", world["prosecutor"]
    else:
        data = hsds_json()
        url, name, user = "/directory/import/", "directory.json", world["site_admin"]
    result["bytes"] = len(data)
    client = verified_client(user, raise_request_exception=False)
    before = _mark()
    started = time.perf_counter()
    response = client.post(url, {"file": SimpleUploadedFile(name, data)})
    result["seconds"] = time.perf_counter() - started
    result["status"] = response.status_code
    if response.status_code == 400:
        import re

        found = re.findall(r"<li>([^<]*?)</li>", response.content.decode())[:3]
        print("    " + "; ".join(found), file=sys.stderr)
    result["peak_mb_above"] = _peak_above(before)
    job_seconds = _run_job_if_any(case)
    if job_seconds is not None:
        result["job_seconds"] = job_seconds
        result["job_peak_mb_above"] = _peak_above(before)
    return result


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--one":
        print(json.dumps(one(sys.argv[2])))
        return
    folder = tempfile.mkdtemp(prefix="leadline-bench-files-")
    os.environ["BENCH_UPLOADS_DIR"] = folder
    # Made here, so that building the 40-megapixel image does not count in the measured process's peak.
    Path(folder, "pdf").write_bytes(hostile_pdf())
    Path(folder, "png").write_bytes(big_png())
    for case in sys.argv[1:] or CASES:
        started = time.perf_counter()
        try:
            out = subprocess.run(  # noqa: S603 (this script, with this interpreter)
                [sys.executable, __file__, "--one", case], capture_output=True, text=True,
                                 timeout=900, check=False)  # fmt: skip
        except subprocess.TimeoutExpired:
            print(f"{case}: still running after 900 s")
            continue
        if out.returncode != 0:
            print(f"{case}: failed ({out.returncode}) after {time.perf_counter() - started:.1f} s\n"
                  + out.stderr[-2000:])  # fmt: skip
            continue
        sys.stderr.write(out.stderr[-1000:])
        result = json.loads(out.stdout.strip().splitlines()[-1])
        print(" ".join(f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}" for k, v in result.items()))


if __name__ == "__main__":
    main()
