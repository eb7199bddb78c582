"""The scheduler's job list and one sweep run from the CLI."""

from __future__ import annotations

from helpdesk.hooks import scheduled_jobs


def test_sweep_command_runs_one_sweep(runner):
    result = runner.invoke(args=["sla", "sweep"])
    assert result.exit_code == 0, result.output
    assert "sweep done" in result.output


def test_every_job_has_a_fixed_unique_id_and_a_configured_interval(app):
    jobs = scheduled_jobs(app)
    ids = [job_id for job_id, _func, _setting in jobs]
    assert {"sla-sweep", "outbox-deliver", "routing-unassigned"} <= set(ids)
    assert len(ids) == len(set(ids))
    for _job_id, _func, setting in jobs:
        assert app.config[setting] > 0


def test_scheduler_command_and_its_sla_alias_are_there(runner):
    for args in (["scheduler", "--help"], ["sla", "scheduler", "--help"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
