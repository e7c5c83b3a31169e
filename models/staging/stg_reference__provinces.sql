with

source as (
    select * from {{ ref('reference_provinces') }}
),

renamed as (
    select
        upper(trim(province_code)) as province_code,
        nis_code,
        iso_3166_2_code,
        name_nl as province_name_nl,
        name_fr as province_name_fr,
        name_en as province_name_en,
        source as reference_source
    from source
)

select * from renamed
