-- Guards: in every reported year the five provinces' shares of the year's sessions
-- and of its participants add up to 1 (within rounding). Fails on every year where
-- they do not.
{{ config(meta={
    'means': "the provinces' shares of a year do not add up to 1",
    'fix': "check the share columns of fct_info_sessions_by_province_year and that"
        ~ " each year has all five provinces in answer_info_sessions.csv",
}) }}

with

province_years as (
    select * from {{ ref('fct_info_sessions_by_province_year') }}
),

per_year as (
    select
        calendar_year,
        sum(share_of_year_sessions) as sessions_share_sum,
        sum(share_of_year_participants) as participants_share_sum
    from province_years
    group by calendar_year
)

select * from per_year
where
    abs(sessions_share_sum - 1) > 1e-9
    or abs(participants_share_sum - 1) > 1e-9
