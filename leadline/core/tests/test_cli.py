import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_python_m_leadline_lists_its_commands():
    result = subprocess.run(
        [sys.executable, "-m", "leadline", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0
    for command in ("run", "seed-demo", "manage"):
        assert command in result.stdout


def test_seed_demo_is_idempotent_and_makes_every_role(db):
    from leadline.accounts.models import User
    from leadline.accounts.roles import Role
    from leadline.demo.seed import seed_demo
    from leadline.participants.models import Participant
    from leadline.referrals.models import Referral

    seed_demo()
    counts = (User.objects.count(), Participant.objects.count(), Referral.objects.count())
    seed_demo()
    assert (User.objects.count(), Participant.objects.count(), Referral.objects.count()) == counts
    assert set(Referral.objects.values_list("status", flat=True)) >= {"eligible", "ineligible", "declined"}
    assert {r.value for r in Role} <= set(User.objects.values_list("role", flat=True))
    assert User.objects.filter(role="").exists()  # the outsider
    assert all(u.is_demo for u in User.objects.all())
