"""The daily schedule of the pipeline job, in the business time zone."""

from zoneinfo import ZoneInfo

import dagster as dg

from orchestration.jobs import full_pipeline_job

DAILY_SCHEDULE_NAME = "salesops_daily"


def daily_schedule(timezone: ZoneInfo) -> dg.ScheduleDefinition:
    """The whole pipeline every morning at 06:00 business time (a setting: orchestration/settings.py)."""
    return dg.ScheduleDefinition(
        name=DAILY_SCHEDULE_NAME,
        job=full_pipeline_job,
        cron_schedule="0 6 * * *",
        execution_timezone=timezone.key,
        description=f"Whole pipeline every morning at 06:00 business time ({timezone.key}).",
    )
