with

source as (
    select * from {{ ref('answer_questions_asked') }}
),

renamed as (
    select
        cast(question as integer) as question_number,
        metric,
        breakdown,
        asked_nl,
        activity,
        availability,
        reason,
        reason_nl,
        reason_fact_ids,
        where_to_query
    from source
)

select * from renamed
