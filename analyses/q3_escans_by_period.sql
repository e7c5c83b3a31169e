-- Question 3: reproduces the answer's e-scan table from the marts: the e-scans per
-- reporting period as printed, then the total ("Totaal").
with

periods as (
    select * from {{ ref('fct_online_activity_by_period') }}
),

reconciliation as (
    select * from {{ ref('fct_published_total_reconciliation') }}
),

final as (
    select
        period_label as periode,
        escans as e_scans,
        period_start_date as sort_date
    from periods

    union all

    select
        'Totaal' as periode,
        published_total as e_scans,
        null as sort_date
    from reconciliation
    where figure = 'escans'
)

select
    periode,
    e_scans
from final
order by sort_date nulls last
