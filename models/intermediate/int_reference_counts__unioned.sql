-- The two reference tables' counts in one shape, for the provinces and the Flemish
-- Region alike: the reconciliation compares the region's figure with the sum of the
-- provinces' (fct_published_total_reconciliation).
with

population as (
    select * from {{ ref('stg_reference__population') }}
),

municipalities as (
    select * from {{ ref('stg_reference__municipalities') }}
),

unioned as (
    select
        'population' as figure,
        {{ dbt.cast("calendar_year", "varchar") }} as scope,
        'Statbel, Flemish Region, 1 January' as published_in,
        'Statbel, Vlaams Gewest, 1 januari' as published_in_nl,
        nis_code,
        geography_level,
        population as counted
    from population

    union all

    select
        'municipalities' as figure,
        case
            when first_year_valid is null
                then 'until ' || {{ dbt.cast("last_year_valid", "varchar") }}
            else 'from ' || {{ dbt.cast("first_year_valid", "varchar") }}
        end as scope,
        'Statbel REFNIS, Flemish Region' as published_in,
        'Statbel REFNIS, Vlaams Gewest' as published_in_nl,
        nis_code,
        geography_level,
        municipalities as counted
    from municipalities
)

select * from unioned
