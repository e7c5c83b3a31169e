with

source as (
    select * from {{ ref('reference_population') }}
),

renamed as (
    select
        nis_code,
        geography_level,
        cast(reference_date as date) as reference_date,
        cast(extract(year from reference_date) as integer) as calendar_year,
        cast(population as integer) as population,
        source as reference_source
    from source
)

select * from renamed
