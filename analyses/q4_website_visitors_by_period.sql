-- Question 4: reproduces the answer's website-visitor table from the marts: the
-- visitors ("bezoekers", also headed "# sessies") per reporting period as printed,
-- then the total ("Totaal").
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
        website_visitors as bezoekers,
        period_start_date as sort_date
    from periods

    union all

    select
        'Totaal' as periode,
        published_total as bezoekers,
        null as sort_date
    from reconciliation
    where figure = 'website_visitors'
)

select
    periode,
    bezoekers
from final
order by sort_date nulls last
