-- Guards: the yearly mart (built on the published totals row) and the province-year
-- mart (built on the province rows) tell the same story: for every reported year the
-- provinces' sessions and participants add up to the yearly figures.
with

yearly as (
    select * from {{ ref('fct_info_sessions_by_year') }}
),

province_years as (
    select * from {{ ref('fct_info_sessions_by_province_year') }}
),

summed as (
    select
        calendar_year,
        sum(sessions) as sessions,
        sum(participants) as participants
    from province_years
    group by calendar_year
)

select
    yearly.calendar_year,
    yearly.sessions as yearly_sessions,
    summed.sessions as province_sessions,
    yearly.participants as yearly_participants,
    summed.participants as province_participants
from yearly
inner join summed
    on yearly.calendar_year = summed.calendar_year
where
    yearly.sessions <> summed.sessions
    or yearly.participants <> summed.participants
