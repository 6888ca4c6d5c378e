SELECT
  *
FROM (
  SELECT
    "t1"."orders.order_date.month",
    SUM("t1"."total_amount") AS "orders.total_amount"
  FROM (
    SELECT
      CAST(DATE_TRUNC('MONTH', "t0"."order_date") AS DATE) AS "orders.order_date.month",
      "t0"."total_amount"
    FROM "orders" AS "t0"
  ) AS "t1"
  GROUP BY
    1
) AS "t2"
ORDER BY
  "t2"."orders.order_date.month" ASC
