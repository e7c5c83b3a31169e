with

facts as (
    select * from {{ ref('stg_answer__programme_facts') }}
),

final as (
    select
        fact_id,
        fact_date,
        date_precision,
        cast(extract(year from fact_date) as integer) as fact_year,
        fact_status,
        topic,
        summary_en,
        quote_nl,
        question_number,
        source_part
    from facts
)

select * from final
