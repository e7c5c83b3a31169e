-- Question 2: reproduces the answer's info-session table from the marts: per
-- province the sessions ("sess") and participants ("deeln") of 2018 and 2019, then
-- the totals row ("tot"). Run with `dbt compile` and the SQL in target/compiled.
with

province_years as (
    select * from {{ ref('fct_info_sessions_by_province_year') }}
),

yearly as (
    select * from {{ ref('fct_info_sessions_by_year') }}
),

provinces as (
    select
        province_code as row_label,
        1 as row_order,
        sum(case when calendar_year = 2018 then sessions end) as sess_2018,
        sum(case when calendar_year = 2018 then participants end) as deeln_2018,
        sum(case when calendar_year = 2019 then sessions end) as sess_2019,
        sum(case when calendar_year = 2019 then participants end) as deeln_2019
    from province_years
    group by province_code
),

totals as (
    select
        'tot' as row_label,
        2 as row_order,
        sum(case when calendar_year = 2018 then sessions end) as sess_2018,
        sum(case when calendar_year = 2018 then participants end) as deeln_2018,
        sum(case when calendar_year = 2019 then sessions end) as sess_2019,
        sum(case when calendar_year = 2019 then participants end) as deeln_2019
    from yearly
),

final as (
    select * from provinces
    union all
    select * from totals
)

select
    row_label,
    sess_2018,
    deeln_2018,
    sess_2019,
    deeln_2019
from final
order by row_order, row_label
