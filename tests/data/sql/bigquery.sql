WITH usage_rows AS (
  SELECT
    CAST(`ts` AS DATETIME) AS ts,
    CAST(`provider` AS STRING) AS provider,
    CAST(`model` AS STRING) AS model,
    COALESCE(CAST(`requests` AS INT64), 1) AS requests,
    CAST(`input_tokens` AS INT64) AS input_tokens,
    CAST(`cache_read` AS INT64) AS cache_read,
    CAST(`cache_write_5m` AS INT64) AS cache_write_5m,
    CAST(`cache_write_1h` AS INT64) AS cache_write_1h,
    CAST(`output_tokens` AS INT64) AS output_tokens,
    CAST(`reasoning_tokens` AS INT64) AS reasoning_tokens,
    COALESCE(CAST(`service_tier` AS STRING), 'standard') AS service_tier,
    '' AS g_project
  FROM analytics.llm_usage
), usage_keys AS (
  SELECT DISTINCT
    CAST(`provider` AS STRING) AS provider,
    CAST(`model` AS STRING) AS model
  FROM analytics.llm_usage
), providers AS (
  SELECT DISTINCT
    provider
  FROM names
), key_slugs AS (
  SELECT
    k.provider,
    k.model,
    LOWER(TRIM(k.model)) AS low,
    COALESCE(pg.provider, ph.provider) AS slug
  FROM usage_keys AS k
  LEFT JOIN providers AS pg
    ON pg.provider = LOWER(TRIM(k.provider))
  LEFT JOIN providers AS ph
    ON SUBSTRING(LOWER(TRIM(k.model)), 1, LENGTH(ph.provider) + 1) = ph.provider || '/'
), resolved AS (
  SELECT
    s.provider,
    s.model,
    MIN(n.model_ref) AS model_ref,
    COUNT(DISTINCT n.model_ref) AS candidates
  FROM key_slugs AS s
  JOIN names AS n
    ON (
      NOT s.slug IS NULL
      AND n.provider = s.slug
      AND (
        n.name = s.low OR n.provider || '/' || n.name = s.low
      )
    )
    OR (
      s.slug IS NULL AND n.name = s.low
    )
  GROUP BY
    s.provider,
    s.model
), models AS (
  SELECT
    model_ref,
    MIN(provider) AS ref_provider,
    MIN(model) AS ref_model,
    MIN(valid_from) AS first_from
  FROM rates
  GROUP BY
    model_ref
), rate_rows AS (
  SELECT
    model_ref,
    service_tier,
    valid_from,
    valid_until,
    wk_lo,
    wk_hi,
    tier_lo,
    tier_hi,
    currency,
    CAST(input_rate AS BIGNUMERIC) AS input_rate,
    CAST(cached_rate AS BIGNUMERIC) AS cached_rate,
    CAST(cache_write_rate AS BIGNUMERIC) AS cache_write_rate,
    CAST(cache_write_1h_rate AS BIGNUMERIC) AS cache_write_1h_rate,
    CAST(output_rate AS BIGNUMERIC) AS output_rate
  FROM rates
), offers AS (
  SELECT DISTINCT
    model_ref,
    service_tier,
    valid_from,
    valid_until
  FROM rates
), placed AS (
  SELECT
    u.*,
    CASE WHEN res.candidates = 1 THEN res.model_ref END AS model_ref,
    CASE
      WHEN res.candidates > 1
      THEN 'ambiguous model'
      WHEN res.candidates IS NULL
      THEN 'unknown model'
    END AS name_problem,
    CASE WHEN o.model_ref IS NULL THEN 'standard' ELSE u.service_tier END AS priced_tier,
    (
      (
        MOD(EXTRACT(DAYOFWEEK FROM u.ts) + 5, 7) + 1
      ) - 1
    ) * 1440 + EXTRACT(HOUR FROM u.ts) * 60 + EXTRACT(MINUTE FROM u.ts) AS minute_of_week
  FROM usage_rows AS u
  LEFT JOIN resolved AS res
    ON COALESCE(res.provider, '') = COALESCE(u.provider, '') AND res.model = u.model
  LEFT JOIN offers AS o
    ON res.candidates = 1
    AND o.model_ref = res.model_ref
    AND o.service_tier = u.service_tier
    AND o.valid_from <= u.ts
    AND u.ts < o.valid_until
), matched AS (
  SELECT
    p.*,
    r.currency,
    r.input_rate,
    r.cached_rate,
    r.cache_write_rate,
    r.cache_write_1h_rate,
    r.output_rate,
    CASE
      WHEN NOT r.model_ref IS NULL AND p.priced_tier = p.service_tier
      THEN 'priced'
      WHEN NOT r.model_ref IS NULL
      THEN 'priced at list price: service tier not offered'
      WHEN NOT p.name_problem IS NULL
      THEN p.name_problem
      WHEN p.ts < mm.first_from
      THEN 'not yet priced'
      ELSE 'no price then'
    END AS status,
    COALESCE(
      p.requests > 1 AND (
        r.tier_lo <> -1 OR r.tier_hi <> 1000000000000000000
      ),
      FALSE
    ) AS by_average
  FROM placed AS p
  LEFT JOIN rate_rows AS r
    ON r.model_ref = p.model_ref
    AND r.service_tier = p.priced_tier
    AND r.valid_from <= p.ts
    AND p.ts < r.valid_until
    AND r.wk_lo <= p.minute_of_week
    AND p.minute_of_week < r.wk_hi
    AND CASE
      WHEN p.requests <= 1
      THEN r.tier_lo < p.input_tokens AND p.input_tokens <= r.tier_hi
      ELSE CAST(r.tier_lo AS BIGNUMERIC) * p.requests < p.input_tokens
      AND p.input_tokens <= CAST(r.tier_hi AS BIGNUMERIC) * p.requests
    END
  LEFT JOIN models AS mm
    ON mm.model_ref = p.model_ref
), rate_sums AS (
  SELECT
    CAST(TIMESTAMP_TRUNC(x.ts, MONTH) AS DATE) AS month,
    x.g_project AS project,
    x.status AS status,
    x.currency AS currency,
    x.input_rate AS input_rate,
    x.cached_rate AS cached_rate,
    x.cache_write_rate AS cache_write_rate,
    x.cache_write_1h_rate AS cache_write_1h_rate,
    x.output_rate AS output_rate,
    COUNT(*) AS records,
    SUM(x.requests) AS requests,
    SUM(x.input_tokens) AS input_tokens,
    SUM(x.cache_read) AS cache_read_tokens,
    SUM(x.cache_write_5m) AS cache_write_5m_tokens,
    SUM(x.cache_write_1h) AS cache_write_1h_tokens,
    SUM(x.output_tokens) AS output_tokens,
    SUM(x.reasoning_tokens) AS reasoning_tokens,
    SUM(x.input_tokens - x.cache_read - x.cache_write_5m - x.cache_write_1h) AS fresh_tokens
  FROM matched AS x
  LEFT JOIN models AS m
    ON m.model_ref = x.model_ref
  GROUP BY
    CAST(TIMESTAMP_TRUNC(x.ts, MONTH) AS DATE),
    x.g_project,
    x.status,
    x.currency,
    x.input_rate,
    x.cached_rate,
    x.cache_write_rate,
    x.cache_write_1h_rate,
    x.output_rate
)
SELECT
  month,
  project,
  status,
  currency,
  SUM(records) AS records,
  SUM(requests) AS requests,
  SUM(input_tokens) AS input_tokens,
  SUM(cache_read_tokens) AS cache_read_tokens,
  SUM(cache_write_5m_tokens) AS cache_write_5m_tokens,
  SUM(cache_write_1h_tokens) AS cache_write_1h_tokens,
  SUM(output_tokens) AS output_tokens,
  SUM(reasoning_tokens) AS reasoning_tokens,
  SUM(CAST(fresh_tokens AS NUMERIC) * input_rate) AS input_cost,
  SUM(CAST(cache_read_tokens AS NUMERIC) * cached_rate) AS cached_cost,
  SUM(
    CAST(cache_write_5m_tokens AS NUMERIC) * cache_write_rate + CAST(cache_write_1h_tokens AS NUMERIC) * cache_write_1h_rate
  ) AS cache_write_cost,
  SUM(CAST(output_tokens AS NUMERIC) * output_rate) AS output_cost
FROM rate_sums
GROUP BY
  month,
  project,
  status,
  currency
ORDER BY
  month NULLS LAST,
  project NULLS LAST,
  status NULLS LAST,
  currency NULLS LAST;
