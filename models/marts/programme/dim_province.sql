with

provinces as (
    select * from {{ ref('stg_reference__provinces') }}
),

final as (
    select
        province_code,
        nis_code,
        iso_3166_2_code,
        province_name_nl,
        province_name_fr,
        province_name_en
    from provinces
)

select * from final
