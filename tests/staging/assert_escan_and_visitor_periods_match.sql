-- Guards: the e-scan table (question 3) and the website-visitor table (question 4)
-- use the same reporting periods, with the same first and last days, so that the
-- two can stand side by side per period. Fails on every period found in one table
-- but not in the other.
{{ config(meta={
    'means': "a period found in the e-scan table but not in the website-visitor "
        ~ "table, or with other first or last days",
    'fix': "give both files, answer_escans.csv and answer_website_visitors.csv, "
        ~ "the same periods with the same first_day and last_day",
}) }}

with

escans as (
    select * from {{ ref('stg_answer__escans') }}
),

website_visitors as (
    select * from {{ ref('stg_answer__website_visitors') }}
),

mismatched as (
    select
        coalesce(escans.period_label, website_visitors.period_label) as period_label,
        escans.period_start_date as escans_start_date,
        website_visitors.period_start_date as visitors_start_date,
        escans.period_end_date as escans_end_date,
        website_visitors.period_end_date as visitors_end_date
    from escans
    full outer join website_visitors
        on
            escans.period_label = website_visitors.period_label
            and escans.period_start_date = website_visitors.period_start_date
            and escans.period_end_date = website_visitors.period_end_date
    where escans.period_label is null or website_visitors.period_label is null
)

select * from mismatched
