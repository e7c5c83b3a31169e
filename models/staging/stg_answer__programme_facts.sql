with

source as (
    select * from {{ ref('answer_programme_facts') }}
),

renamed as (
    select
        fact_id,
        cast(fact_date as date) as fact_date,
        date_precision,
        status as fact_status,
        topic,
        summary_en,
        quote_nl,
        cast(question as integer) as question_number,
        source_part
    from source
)

select * from renamed
