with

source as (
    select * from {{ ref('reference_headline_metrics') }}
),

renamed as (
    select
        lower(trim(metric)) as metric,
        metric_order,
        lower(trim(activity)) as activity,
        question as question_number,
        unit_nl,
        unit_en,
        label_nl,
        label_en,
        description_nl,
        description_en
    from source
)

select * from renamed
