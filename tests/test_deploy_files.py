"""The files an operator copies from deploy/ name commands that exist: a renamed command or
option would otherwise fail only at night, by mail."""
import shlex
from pathlib import Path

import pytest

CRON = Path(__file__).parent.parent / "deploy" / "cron" / "songyuan"


def scheduled_commands():
    """Each job's arguments after ``flask --app service``."""
    jobs = []
    for line in CRON.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or "=" in line.split()[0]:
            continue
        fields = line.split(None, 6)
        assert len(fields) == 7 and fields[5] == "songyuan", line  # five times, the user, the command
        command = fields[6].split("&&")[-1]
        words = shlex.split(command)
        assert words[:3] == [".venv/bin/flask", "--app", "service"], line
        jobs.append(words[3:])
    return jobs


def test_the_crontab_schedules_every_periodic_command():
    names = [" ".join(word for word in job if not word.startswith("/")) for job in scheduled_commands()]
    assert names == ["supervise", "notifications deliver", "backup", "tokens prune", "calendar check",
                     "api-keys check"]


@pytest.mark.parametrize("job", scheduled_commands(), ids=" ".join)
def test_each_scheduled_command_exists_with_its_arguments(app, job):
    result = app.test_cli_runner().invoke(args=[*job, "--help"])
    assert result.exit_code == 0, (job, result.output)
    assert "Usage:" in result.output
