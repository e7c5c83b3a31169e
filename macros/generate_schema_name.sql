{#- Where each node is built.

    DuckDB: the node's custom schema as it is (raw, staging, intermediate, marts), in
    the file the build writes; publishing swaps whole files.

    PostgreSQL, where the readers' schemas live on a shared server:
    - the publishing build (`ook-uw-zaak build --target postgres`) sets the var
      release_schema_suffix, and every node goes to <schema>__<suffix> (scratch
      schemas that no reader may use); the publishing command renames them to
      raw, staging, intermediate and marts in one transaction once all passed;
    - any other run (`dbt build --target postgres`, for development) goes to
      <target schema>_<schema>, e.g. dbt_alice_marts, as dbt does by default; the
      target schema is OOK_UW_ZAAK_PG_SCHEMA, else dbt_<PGUSER> (profiles.yml).
    So dbt never writes into the schemas readers use.

    Spark: the publishing build (`ook-uw-zaak build --target spark`) sets the same
    var, and every node goes to <schema>__<suffix>; the reader's schemas hold views
    that the publishing command repoints once all passed (macros/spark_release.sql).
    Any other run (`dbt build --target spark`) writes into raw, staging,
    intermediate and marts themselves, as on DuckDB. Every name that reaches SQL
    (the database, the schemas, the BI role) is validated first. -#}

{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if target.type == 'postgres' -%}
        {{ postgres_schema_name(custom_schema_name) }}
    {%- elif custom_schema_name is none -%}
        {{ target.schema }}
    {%- elif target.type == 'spark'
        and var('release_schema_suffix', none) is not none -%}
        {{ spark_release_schema_name(custom_schema_name) }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}


{% macro postgres_schema_name(custom_schema_name) -%}
    {%- do validate_identifier(
        target.database, 'The database of the postgres target (PGDATABASE)') -%}
    {%- do bi_role() -%}
    {%- do bi_statement_timeout_seconds() -%}
    {%- set suffix = var('release_schema_suffix', none) -%}
    {%- if suffix is not none -%}
        {%- do validate_identifier(suffix, 'The var release_schema_suffix') -%}
        {%- if not suffix.startswith('build_') -%}
            {#- Never <schema>__previous or any other schema of a release. -#}
            {{ exceptions.raise_compiler_error(
                'The var release_schema_suffix is ' ~ suffix ~ ': a publishing'
                ~ ' build writes only into scratch schemas <schema>__build_...; it is'
                ~ ' set by `ook-uw-zaak build --target postgres`, not by hand.') }}
        {%- endif -%}
    {%- endif -%}
    {%- set custom = none if custom_schema_name is none else custom_schema_name | trim -%}
    {%- if custom is none -%}
        {#- Nodes without a schema of their own (data tests, analyses): the target
            schema, in a publishing build too. -#}
        {%- set name = development_base_schema() -%}
        {%- set source = 'The target schema' -%}
    {%- elif suffix is not none -%}
        {%- set name = custom ~ '__' ~ suffix -%}
        {%- set source = 'The scratch schema of a publishing build' -%}
    {%- else -%}
        {%- set name = development_base_schema() ~ '_' ~ custom -%}
        {%- set source = 'The development schema for ' ~ custom -%}
    {%- endif -%}
    {{ validate_identifier(name, source) }}
{%- endmacro %}


{% macro development_base_schema() -%}
    {#- The target schema (OOK_UW_ZAAK_PG_SCHEMA, else dbt_<PGUSER>), validated, and
        never one of the names kept for published releases. -#}
    {%- set base = validate_identifier(
        target.schema,
        'The target schema (OOK_UW_ZAAK_PG_SCHEMA, else dbt_ and PGUSER)') -%}
    {%- if base in ('raw', 'staging', 'intermediate', 'marts', 'public')
        or '__' in base -%}
        {{ exceptions.raise_compiler_error(
            'The target schema (OOK_UW_ZAAK_PG_SCHEMA) is ' ~ base ~ ', a name kept'
            ~ ' for published releases; choose one of your own, such as dbt_alice.'
            ~ ' Only `ook-uw-zaak build --target postgres` publishes.') }}
    {%- endif -%}
    {{ return(base) }}
{%- endmacro %}
