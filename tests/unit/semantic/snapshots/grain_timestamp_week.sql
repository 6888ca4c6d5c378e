SELECT
  *
FROM (
  SELECT
    "t1"."orders.created_at.week",
    COUNT(*) AS "order_count"
  FROM (
    SELECT
      DATE_TRUNC('WEEK', "t0"."created_at") AS "orders.created_at.week"
    FROM "orders" AS "t0"
  ) AS "t1"
  GROUP BY
    1
) AS "t2"
ORDER BY
  "t2"."orders.created_at.week" ASC
