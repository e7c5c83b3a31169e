with

source as (
    select * from {{ ref('reference_municipalities') }}
),

renamed as (
    select
        nis_code,
        geography_level,
        cast(valid_from as date) as valid_from_date,
        cast(valid_to as date) as valid_to_date,
        cast(extract(year from valid_from) as integer) as first_year_valid,
        cast(extract(year from valid_to) as integer) as last_year_valid,
        cast(municipalities as integer) as municipalities,
        source as reference_source
    from source
)

select * from renamed
