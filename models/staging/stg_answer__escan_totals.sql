with

source as (
    select * from {{ ref('answer_escan_totals') }}
),

renamed as (
    select
        label as row_label,
        cast(e_scans as integer) as published_escans,
        cast(question as integer) as question_number
    from source
)

select * from renamed
