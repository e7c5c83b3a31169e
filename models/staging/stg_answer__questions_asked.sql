with

source as (
    select * from {{ ref('answer_questions_asked') }}
),

renamed as (
    select
        cast(question as integer) as question_number,
        metric,
        breakdown,
        asked_nl
    from source
)

select * from renamed
