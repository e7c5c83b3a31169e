-- Guards: a year whose info-session reports are pending carries no figure at all.
-- A pending figure is unknown, so it must be NULL, never zero. Fails on every pending
-- year that shows a number.
{{ config(meta={
    'means': "a year whose info-session reports are pending shows a figure",
    'fix': "a pending figure is unknown and must stay empty (NULL): check the "
        ~ "model fct_info_sessions_by_year, and that the seed "
        ~ "answer_info_session_totals.csv has no line for a pending year",
}) }}

with

yearly as (
    select * from {{ ref('fct_info_sessions_by_year') }}
)

select
    calendar_year,
    sessions,
    participants,
    provinces_reporting,
    participants_per_session
from yearly
where
    report_status = 'pending'
    and (
        sessions is not null
        or participants is not null
        or provinces_reporting is not null
        or participants_per_session is not null
    )
